"""R6.4: the owner grants or revokes the billing-admin role of the account's members."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Membership
from billing.models import BillingEvent
from billing.services.audit import billing_event_record

Role = Membership.Role
NOT_GRANTABLE = _("Only admins and agents can become billing admins.")
NOT_REVOCABLE = _("This member is not a billing admin.")


@transaction.atomic
def billing_admin_set(*, membership: Membership, member_id: int, grant: bool, now: datetime) -> Membership:
    """Grant (admin or agent → billing admin) or revoke (billing admin → admin). The owner's own role, and
    members of other accounts, are out of reach."""
    policy.require(membership, policy.Action.CREATE_BILLING_ADMINS)
    member = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(account=membership.account, pk=member_id)
        .exclude(role=Role.OWNER)
        .first()
    )
    if member is None:
        raise Http404("No such member.")
    before = member.role
    if grant and before not in (Role.ADMIN, Role.AGENT):
        raise ValidationError(NOT_GRANTABLE)
    if not grant and before != Role.BILLING_ADMIN:
        raise ValidationError(NOT_REVOCABLE)
    member.role = Role.BILLING_ADMIN if grant else Role.ADMIN
    member.save(update_fields=["role"])
    billing_event_record(
        account=membership.account,
        kind=BillingEvent.Kind.BILLING_ADMIN_GRANTED if grant else BillingEvent.Kind.BILLING_ADMIN_REVOKED,
        by=membership.user,
        summary=f"{member.user.email}: {before} → {member.role}",
        before={"member": member.user.email, "role": before},
        after={"member": member.user.email, "role": member.role},
        now=now,
    )
    return member
