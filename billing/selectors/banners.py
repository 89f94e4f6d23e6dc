"""What every Admin Center page says about the account above its content: a scheduled cancellation, a
failed payment (R8.5) and a temporary reactivation."""

from accounts.models import Membership
from billing.models import DunningCase, DunningStep, ScheduledChange

Step = DunningStep.Step
BANNER_FROM = {  # R8.5: from D+4 the owner and admins see the banner, from D+21 every member
    Step.D4: frozenset({Membership.Role.OWNER, Membership.Role.BILLING_ADMIN, Membership.Role.ADMIN}),
    Step.D21: frozenset(Membership.Role.values),
}


def pending_account_cancellation(account) -> ScheduledChange | None:
    return ScheduledChange.objects.filter(account=account).account_cancellation().first()


def dunning_banner_case(membership: Membership) -> DunningCase | None:
    """The open dunning case whose banner this member sees, if any (one query, two with a case)."""
    case = (
        DunningCase.objects.filter(account=membership.account, status=DunningCase.Status.OPEN)
        .select_related("invoice")
        .prefetch_related("steps")
        .first()
    )
    if case is None:
        return None
    reached = {s.step for s in case.steps.all()}
    roles = frozenset().union(*(roles for step, roles in BANNER_FROM.items() if step in reached))
    return case if membership.role in roles else None
