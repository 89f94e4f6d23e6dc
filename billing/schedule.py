"""Telling the billing clock to look at an account no later than a moment (R9.1).

Services that schedule something call `due_no_later_than`; the clock computes the exact next action when
it visits the account. An early visit costs one look and changes nothing.
"""

from datetime import datetime

from django.db.models import Q

from accounts.models import Account


def due_no_later_than(account: Account, moment: datetime) -> None:
    Account.objects.filter(pk=account.pk).filter(
        Q(next_action_at__isnull=True) | Q(next_action_at__gt=moment)
    ).update(next_action_at=moment)
