"""Who may use an account right now, by its lifecycle status (R5.3, R7.7, R8.5, R8.6)."""

from enum import StrEnum

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Membership
from billing.clock import now_for
from billing.models import DunningCase

ACCOUNT_CANCELLED = _("This account has been cancelled. Nobody can sign in to it any more.")
# Why nobody can sign in, by account status.
CLOSED_ACCOUNT_MESSAGES = {
    Account.Status.CANCELLED: ACCOUNT_CANCELLED,
    Account.Status.SUSPENDED: _(
        "This account was cancelled for non-payment: nobody can sign in. The owner can ask support for a "
        "temporary reactivation to update the card."
    ),
    Account.Status.EXPIRED: _("The trial of this account has ended: nobody can sign in any more."),
    Account.Status.DELETED: _("This account's data was deleted: nobody can sign in any more."),
}


class Access(StrEnum):
    FULL = "full"
    LIMITED = "limited"  # the owner of a suspended account under a temporary reactivation: the card only
    CLOSED = "closed"


def temporary_reactivation_until(account: Account):
    """The end of a temporary reactivation granted by support staff, if one is running."""
    if account.status != Account.Status.SUSPENDED:
        return None
    until = (
        DunningCase.objects.filter(account=account, status=DunningCase.Status.SUSPENDED)
        .values_list("reactivated_until", flat=True)
        .first()
    )
    return until if until is not None and until > now_for(account) else None


def access_for(membership: Membership) -> Access:
    status = membership.account.status
    if status == Account.Status.ACTIVE:
        return Access.FULL
    if (
        status == Account.Status.SUSPENDED
        and membership.role == Membership.Role.OWNER
        and temporary_reactivation_until(membership.account) is not None
    ):
        return Access.LIMITED
    return Access.CLOSED


def refusal(membership: Membership) -> str | None:
    """Why this member may not sign in, or None: the sign-in form's rule (installed by billing.apps)."""
    if access_for(membership) == Access.CLOSED:
        return str(CLOSED_ACCOUNT_MESSAGES[membership.account.status])
    return None


def reactivation_offer(membership: Membership) -> str | None:
    """What the sign-in refusal offers (R8.10): the owner of an account cancelled for non-payment may ask
    support for a temporary reactivation (R8.5). Where to send it, or None."""
    if membership.role == Membership.Role.OWNER and membership.account.status == Account.Status.SUSPENDED:
        return reverse("billing:reactivation_request")
    return None
