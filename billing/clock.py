"""The only source of "now" in billing code (R9.2).

An account with a test clock lives at the clock's frozen time, so support staff can advance it from the
Django admin and watch the lifecycle happen; every other account lives at the real time.
"""

from datetime import datetime

from django.utils import timezone


def now_for(account=None, *, real_now: datetime | None = None) -> datetime:
    """The account's "now": its test clock's time if it has one, else the real time (`real_now` lets a
    batch use one real moment for every account)."""
    if account is not None and account.test_clock_id is not None:
        return account.test_clock.frozen_now
    return real_now or timezone.now()
