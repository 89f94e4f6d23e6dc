"""What support staff do for a customer from the Django admin: a temporary reactivation (R8.5)."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.models import BillingEvent, DunningCase
from billing.schedule import due_no_later_than
from billing.services.audit import billing_event_record

NEEDS_ACCOUNT_PERMISSION = _("You need the permission to change accounts.")
DATA_DELETED = _("This account's data was deleted: it can no longer be reactivated.")
NOT_SUSPENDED = _("Only an account cancelled for non-payment can be reactivated temporarily.")
TEMPORARY_REACTIVATION_DAYS = 7


@transaction.atomic
def temporary_reactivation_grant(*, account: Account, by, now: datetime) -> DunningCase:
    """R8.5: let the owner of an account cancelled for non-payment sign in for a few days, only to update
    the card; the next batch after the update retries the payment."""
    if not by.has_perm("accounts.change_account"):
        raise PermissionDenied(NEEDS_ACCOUNT_PERMISSION)
    if account.status == Account.Status.DELETED:
        raise ValidationError(DATA_DELETED)
    case = (
        DunningCase.objects.select_for_update()
        .filter(account=account, status=DunningCase.Status.SUSPENDED)
        .first()
    )
    if case is None:
        raise ValidationError(NOT_SUSPENDED)
    case.reactivated_until = now + timedelta(days=TEMPORARY_REACTIVATION_DAYS)
    case.save(update_fields=["reactivated_until"])
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.TEMPORARY_REACTIVATION,
        by=by,
        summary=f"Owner may update the card until {case.reactivated_until:%Y-%m-%d}",
        after={"until": case.reactivated_until.isoformat()},
        now=now,
    )
    due_no_later_than(account, case.reactivated_until)
    return case
