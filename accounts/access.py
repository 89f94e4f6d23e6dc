"""Who may use an account right now, by its lifecycle status (R5.3, R7.7, R8.5, R8.6)."""

from accounts.models import Account, Membership
from billing.clock import now_for
from billing.models import DunningCase

LIMITED_ACCESS_VIEWS = frozenset(
    {"billing:payment", "billing:payment_method", "accounts:logout", "accounts:landing", "set_language"}
)


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


def access_for(membership: Membership) -> str:
    """ "full", "limited" (the owner of a suspended account under a temporary reactivation) or "closed"."""
    status = membership.account.status
    if status == Account.Status.ACTIVE:
        return "full"
    if (
        status == Account.Status.SUSPENDED
        and membership.role == Membership.Role.OWNER
        and temporary_reactivation_until(membership.account) is not None
    ):
        return "limited"
    return "closed"
