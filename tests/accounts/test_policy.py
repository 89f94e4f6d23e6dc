"""R2: the capability table, row by row, and the role layer on top of it, for every triple."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied
from django.template import Context, Template

from accounts import policy
from accounts.models import Account, Membership
from accounts.policy import Action, Capabilities

Kind, Role = Account.Kind, Membership.Role

# SPEC R2, copied row by row: (capability, managed, online_assisted, self_service).
SPEC_R2_TABLE = [
    (Action.ADD_SEATS, False, True, True),
    (Action.REMOVE_SEATS, False, False, True),
    (Action.ADD_PRODUCTS, False, True, True),
    (Action.REMOVE_PRODUCTS, False, False, True),
    (Action.UPGRADE_EDITION, False, True, True),
    (Action.DOWNGRADE_EDITION, False, False, True),
    (Action.CHANGE_BILLING_CYCLE, False, False, True),
    (Action.CHANGE_PAYMENT_TYPE, False, False, True),
    (Action.MANAGE_INVOICES, False, False, True),
    (Action.CANCEL_ACCOUNT, False, False, True),
    (Action.CREATE_BILLING_ADMINS, False, True, True),
    (Action.REQUEST_CHANGES, False, True, False),
]
TABLE_ROWS = [row[0] for row in SPEC_R2_TABLE]


def member(kind, role):
    """An unsaved membership: the policy reads only the role and the account type."""
    return Membership(role=role, account=Account(kind=kind))


@pytest.mark.parametrize(("action", "managed", "online_assisted", "self_service"), SPEC_R2_TABLE)
def test_r2_1_account_type_table_row_by_row(action, managed, online_assisted, self_service):
    table = policy.ACCOUNT_TYPE_CAPABILITIES
    assert (
        action in table[Kind.MANAGED],
        action in table[Kind.ONLINE_ASSISTED],
        action in table[Kind.SELF_SERVICE],
    ) == (
        managed,
        online_assisted,
        self_service,
    )


def test_r2_1_the_table_has_exactly_the_spec_rows():
    every_capability = set().union(*policy.ACCOUNT_TYPE_CAPABILITIES.values())
    assert every_capability <= set(TABLE_ROWS)
    assert list(Action)[: len(TABLE_ROWS)] == TABLE_ROWS


def expected(kind, role, action) -> bool:
    """The SPEC in plain words, written independently of the policy module."""
    row = dict(
        (r[0], dict(zip([Kind.MANAGED, Kind.ONLINE_ASSISTED, Kind.SELF_SERVICE], r[1:], strict=True)))
        for r in SPEC_R2_TABLE
    )
    if action == Action.VIEW_SUBSCRIPTION:  # R2.2: any admin, billing admin or owner may view
        return role in (Role.OWNER, Role.BILLING_ADMIN, Role.ADMIN)
    if action == Action.VIEW_INVOICES:  # R8.1: the owner; billing admins where they manage invoices
        return role == Role.OWNER or (role == Role.BILLING_ADMIN and kind == Kind.SELF_SERVICE)
    if action in (
        Action.UPDATE_PAYMENT_METHOD,
        Action.MANAGE_BILLING_CONTACTS,
        Action.EXPORT_DATA,
        Action.TRANSFER_OWNERSHIP,  # R1.5
    ):  # owner only
        return role == Role.OWNER
    if action == Action.VIEW_BILLING_HISTORY:  # R9.3: owners and billing admins
        return role in (Role.OWNER, Role.BILLING_ADMIN)
    if not row[action][kind]:
        return False
    if action in (Action.REMOVE_PRODUCTS, Action.CANCEL_ACCOUNT, Action.CREATE_BILLING_ADMINS):
        return role == Role.OWNER  # R2.2, seed 000: billing admins cannot remove or cancel
    if action == Action.REQUEST_CHANGES:
        return role == Role.ADMIN  # R2.4: non-billing admins
    return role in (Role.OWNER, Role.BILLING_ADMIN)  # R2.2: rows 1–9 are for owner and billing admins


@pytest.mark.parametrize(("kind", "role", "action"), list(itertools.product(Kind, Role, Action)))
def test_r2_2_every_account_type_role_and_capability(kind, role, action):
    assert policy.can(member(kind, role), action) is expected(kind, role, action)


@pytest.mark.parametrize("action", list(Action))
def test_r2_5_require_refuses_with_a_message_for_people(action):
    with pytest.raises(PermissionDenied, match="Agents do not have access to billing"):
        policy.require(member(Kind.SELF_SERVICE, Role.AGENT), action)


def test_r1_3_a_user_without_an_account_may_do_nothing():
    assert policy.allowed(None) == frozenset()
    with pytest.raises(PermissionDenied, match="/staff/"):
        policy.require(None, Action.VIEW_SUBSCRIPTION)


@pytest.mark.parametrize(
    ("kind", "role", "shows_manage"),
    [
        (Kind.MANAGED, Role.OWNER, False),  # R2.3: managed accounts never show it
        (Kind.MANAGED, Role.BILLING_ADMIN, False),
        (Kind.ONLINE_ASSISTED, Role.OWNER, True),
        (Kind.ONLINE_ASSISTED, Role.BILLING_ADMIN, True),
        (Kind.ONLINE_ASSISTED, Role.ADMIN, False),  # gets "Request a change" instead (R2.4)
        (Kind.SELF_SERVICE, Role.OWNER, True),
        (Kind.SELF_SERVICE, Role.BILLING_ADMIN, True),
        (Kind.SELF_SERVICE, Role.ADMIN, False),
        (Kind.SELF_SERVICE, Role.AGENT, False),
    ],
)
def test_r2_3_manage_button_only_for_those_who_may_modify(kind, role, shows_manage):
    assert Capabilities(member(kind, role))["manage"] is shows_manage


def test_templates_read_capabilities_and_a_misspelled_one_fails_loudly():
    can = Capabilities(member(Kind.SELF_SERVICE, Role.OWNER))
    assert Template("{% if can.remove_products %}yes{% endif %}").render(Context({"can": can})) == "yes"
    with pytest.raises(policy.UnknownCapability):
        Template("{% if can.remove_prodcuts %}yes{% endif %}").render(Context({"can": can}))
