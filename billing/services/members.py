"""R6.4: the owner grants or revokes the billing-admin role of the account's members; R1.5: the owner hands
the ownership over."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import OWNER_HANDOVER, Account, Membership
from billing import emails
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


NOT_A_SUCCESSOR = _("Ownership goes to an admin or a billing admin of the account.")
STAFF_NEED_PERMISSION = _("You need the permission to change accounts to transfer their ownership.")
SUCCESSOR_ROLES = (Role.ADMIN, Role.BILLING_ADMIN)


def ownership_successors(account) -> list[Membership]:
    """Who may receive the ownership (R1.5): the account's admins and billing admins, never a staff user."""
    return list(
        Membership.objects.filter(account=account, role__in=SUCCESSOR_ROLES, user__is_staff=False)
        .select_related("user")
        .order_by("user__email")
    )


@transaction.atomic
def ownership_transfer(*, account, successor_id: int, by, now: datetime) -> Membership:
    """Hand the account's ownership to one of its admins or billing admins (R1.5); the former owner becomes
    an admin, as in Zendesk. `by` is the owner, or a staff user when the owner left. Both are emailed and
    the billing history keeps the change.

    The account is locked first, then checked: two transfers at once run one after the other, and the
    second finds the owner has changed. The role passes through OWNER_HANDOVER so that the database's
    "at least one owner" trigger, which on SQLite cannot wait for the commit, holds at every statement."""
    Account.objects.select_for_update().filter(pk=account.pk).first()
    members = Membership.objects.select_related("user").filter(account=account)
    owner = members.filter(role=Role.OWNER).first()
    successor = members.filter(pk=successor_id).first()
    if successor is None:
        raise Http404("No such member.")
    if by.is_staff:
        if not by.has_perm("accounts.change_account"):
            raise PermissionDenied(STAFF_NEED_PERMISSION)
    elif owner is None or owner.user_id != by.pk:
        raise PermissionDenied(policy.ACTION_DENIED_MESSAGES[policy.Action.TRANSFER_OWNERSHIP])
    if successor.role not in SUCCESSOR_ROLES or successor.user.is_staff:
        raise ValidationError(NOT_A_SUCCESSOR)
    if owner is not None:
        Membership.objects.filter(pk=owner.pk).update(role=OWNER_HANDOVER)
    Membership.objects.filter(pk=successor.pk).update(role=Role.OWNER)
    if owner is not None:
        Membership.objects.filter(pk=owner.pk).update(role=Role.ADMIN)
    former = owner.user.email if owner is not None else ""
    event = billing_event_record(
        account=account,
        kind=BillingEvent.Kind.OWNERSHIP_TRANSFERRED,
        by=by,
        summary=f"Ownership: {former or '—'} → {successor.user.email}",
        before={"owner": former, "successor_role": successor.role},
        after={"owner": successor.user.email, "former_owner_role": Role.ADMIN if former else ""},
        now=now,
    )
    emails.ownership_transferred(event, former=owner.user if owner else None, successor=successor.user)
    successor.role = Role.OWNER
    return successor
