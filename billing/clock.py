"""The only source of "now" in billing code (R9.2).

An account with a test clock lives at the clock's frozen time, so support staff can advance it from the
Django admin and watch the lifecycle happen; every other account lives at the real time.
"""

from datetime import datetime

from django.utils import timezone


def now_for(account=None) -> datetime:
    if account is not None and account.test_clock_id is not None:
        return account.test_clock.frozen_now
    return timezone.now()
