"""Dates that Django formats itself (the staff console, `|date`) read like the app's Babel "medium" style,
"Nov 30, 2026" (billing/money.py), not Django's "Nov. 30, 2026". French needs nothing: Django's "30 novembre
2026" already writes months in full, as the app does."""

DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "M j, Y, H:i"
