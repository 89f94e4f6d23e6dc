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
    """The open dunning case whose banner this member sees, if any: one plain query when there is none (most
    pages of most accounts), three when there is."""
    open_cases = DunningCase.objects.filter(account=membership.account, status=DunningCase.Status.OPEN)
    if not open_cases.order_by().values_list("pk", flat=True)[:1]:
        return None
    case = open_cases.select_related("invoice").first()
    if case is None:  # closed between the two reads
        return None
    reached = set(case.steps.values_list("step", flat=True))
    roles = frozenset().union(*(roles for step, roles in BANNER_FROM.items() if step in reached))
    return case if membership.role in roles else None
