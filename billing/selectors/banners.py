"""What every Admin Center page says about the account above its content: what is scheduled to end (R3.4),
with "Keep my subscription" for the owner (R5.9), a failed payment (R8.5) and a temporary reactivation."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import OuterRef, Subquery

from accounts.models import Membership
from billing.models import DunningCase, DunningStep, PaymentAttempt, ScheduledChange
from billing.sandbox import AUTHENTICATION_REQUIRED

Step = DunningStep.Step
BANNER_FROM = {  # R8.5: from D+4 the owner and admins see the banner, from D+21 every member
    Step.D4: frozenset({Membership.Role.OWNER, Membership.Role.BILLING_ADMIN, Membership.Role.ADMIN}),
    Step.D21: frozenset(Membership.Role.values),
}


ENDING_KINDS = (ScheduledChange.Kind.REMOVE_ITEM, ScheduledChange.Kind.CANCEL_ACCOUNT)


@dataclass
class Ending:
    """What one confirmation ends, and when (R3.4): its products, or the whole account. `cancellation_id`
    is that confirmation (None for a change scheduled without one); whether the reader may keep it until
    then (R5.9) is the policy's to say — the owner of a self-service account, never for what support
    scheduled on a sales-assisted one."""

    cancellation_id: int | None
    effective_at: datetime
    products: list[str] = field(default_factory=list)
    cancels_account: bool = False


def endings_of(pending: Iterable[ScheduledChange]) -> list[Ending]:
    """The pending removals and account cancellation, by confirmation (their items loaded with products)."""
    endings: dict[int | None, Ending] = {}
    for change in pending:
        if change.kind not in ENDING_KINDS:
            continue
        ending = endings.setdefault(
            change.cancellation_id, Ending(change.cancellation_id, change.effective_at)
        )
        if change.kind == ScheduledChange.Kind.CANCEL_ACCOUNT:
            ending.cancels_account = True
        else:
            ending.products.append(change.item.product.name)
    return list(endings.values())


def scheduled_endings(account) -> list[Ending]:
    """`endings_of` the account's pending changes, in one query."""
    pending = ScheduledChange.objects.filter(account=account, kind__in=ENDING_KINDS).pending()
    return endings_of(pending.select_related("item__product"))


def dunning_banner_case(membership: Membership) -> DunningCase | None:
    """The open dunning case whose banner this member sees, if any: one plain query when there is none (most
    pages of most accounts), three when there is."""
    open_cases = DunningCase.objects.filter(account=membership.account, status=DunningCase.Status.OPEN)
    if not open_cases.order_by().values_list("pk", flat=True)[:1]:
        return None
    # The latest charge's refusal says what the owner is asked to do: update the card, or confirm the
    # payment with their bank (strong customer authentication, R12.1).
    latest_charge = PaymentAttempt.objects.filter(
        invoice=OuterRef("invoice"), operation=PaymentAttempt.Operation.CHARGE
    ).order_by("-created_at", "-id")
    case = (
        open_cases.select_related("invoice")
        .annotate(latest_refusal=Subquery(latest_charge.values("failure_code")[:1]))
        .first()
    )
    if case is None:  # closed between the two reads
        return None
    case.asks_confirmation = case.latest_refusal == AUTHENTICATION_REQUIRED
    reached = set(case.steps.values_list("step", flat=True))
    roles = frozenset().union(*(roles for step, roles in BANNER_FROM.items() if step in reached))
    return case if membership.role in roles else None
