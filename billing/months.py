"""Calendar months, the unit of invoice periods people ask about (R8.1, R8.10) and of card expiry."""

from datetime import date


def months_between(first: date, last: date) -> int:
    """How many months from `first` to `last`, both counted (2026-01 → 2026-03: 3; backwards: 0 or less)."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
