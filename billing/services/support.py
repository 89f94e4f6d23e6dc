"""What support staff do to an account's lifecycle from the Django admin (R8.5, R9.2)."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.lifecycle import TEMPORARY_REACTIVATION_DAYS, advance_account
from billing.models import BillingEvent, DunningCase, TestClock
from billing.schedule import due_no_later_than
from billing.services.events import billing_event_record

NEEDS_ACCOUNT_PERMISSION = _("You need the permission to change accounts.")
NEEDS_CLOCK_PERMISSION = _("You need the permission to change test clocks.")
DATA_DELETED = _("This account's data was deleted: it can no longer be reactivated.")
NOT_SUSPENDED = _("Only an account cancelled for non-payment can be reactivated temporarily.")
FORWARD_ONLY = _("A test clock only moves forward.")


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


def advance_test_clock(*, clock: TestClock, to: datetime, by) -> dict[str, list[str]]:
    """R9.2: move a test clock forward and run the lifecycle of its accounts, and only theirs, up to it."""
    if not by.has_perm("billing.change_testclock"):
        raise PermissionDenied(NEEDS_CLOCK_PERMISSION)
    with transaction.atomic():
        clock = TestClock.objects.select_for_update().get(pk=clock.pk)
        if to <= clock.frozen_now:
            raise ValidationError(FORWARD_ONLY)
        before = clock.frozen_now
        clock.frozen_now = to
        clock.save(update_fields=["frozen_now"])
        accounts = list(clock.accounts.all())
        for account in accounts:
            billing_event_record(
                account=account,
                kind=BillingEvent.Kind.TEST_CLOCK_ADVANCED,
                by=by,
                summary=f"{clock.name}: {before:%Y-%m-%d %H:%M} → {to:%Y-%m-%d %H:%M}",
                before={"now": before.isoformat()},
                after={"now": to.isoformat()},
                now=to,
            )
    return {account.name: advance_account(account.pk) or [] for account in accounts}
