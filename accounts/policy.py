"""Who may do what: the capability table of SPEC R2 as data, the role layer on top, and three functions.

Views guard with `@require_action(...)` (accounts.decorators), templates read the `can` object from the
context processor, services call `require(...)` first because the Django admin and commands call them too.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Membership

Kind = Account.Kind
Role = Membership.Role


class Action(StrEnum):
    # The rows of the SPEC R2 table, in its order.
    ADD_SEATS = "add_seats"
    REMOVE_SEATS = "remove_seats"
    ADD_PRODUCTS = "add_products"
    REMOVE_PRODUCTS = "remove_products"
    UPGRADE_EDITION = "upgrade_edition"
    DOWNGRADE_EDITION = "downgrade_edition"
    CHANGE_BILLING_CYCLE = "change_billing_cycle"
    CHANGE_PAYMENT_TYPE = "change_payment_type"
    MANAGE_INVOICES = "manage_invoices"
    CANCEL_ACCOUNT = "cancel_account"
    CREATE_BILLING_ADMINS = "create_billing_admins"
    REQUEST_CHANGES = "request_changes"
    # Not rows of the table: what every account type allows, by role (R2.2, R8).
    VIEW_SUBSCRIPTION = "view_subscription"
    VIEW_INVOICES = "view_invoices"  # the owner; billing admins where they manage invoices (R8.1)
    UPDATE_PAYMENT_METHOD = "update_payment_method"  # the owner only (R8.4)
    MANAGE_BILLING_CONTACTS = "manage_billing_contacts"  # the owner decides who receives invoices (R8.3)
    VIEW_BILLING_HISTORY = "view_billing_history"  # owner and billing admins (R9.3)
    EXPORT_DATA = "export_data"  # the owner only (R7.6)
    TRANSFER_OWNERSHIP = "transfer_ownership"  # the owner only (R1.5)


# The table's wording (seed 002), for the Manage page and the staff console.
ACTION_LABELS = {
    Action.ADD_SEATS: _("Add agent seats"),
    Action.REMOVE_SEATS: _("Remove agent seats"),
    Action.ADD_PRODUCTS: _("Add products and add-ons"),
    Action.REMOVE_PRODUCTS: _("Remove products"),
    Action.UPGRADE_EDITION: _("Upgrade an edition"),
    Action.DOWNGRADE_EDITION: _("Downgrade an edition"),
    Action.CHANGE_BILLING_CYCLE: _("Change the billing cycle"),
    Action.CHANGE_PAYMENT_TYPE: _("Change the payment type"),
    Action.MANAGE_INVOICES: _("Manage invoices"),
    Action.CANCEL_ACCOUNT: _("Cancel the account"),
    Action.CREATE_BILLING_ADMINS: _("Create billing admins to help manage billing and subscriptions"),
    Action.REQUEST_CHANGES: _("Send subscription change requests"),
    Action.VIEW_SUBSCRIPTION: _("View the subscription"),
}

# SPEC R2, row by row: what each account type allows on the Subscription page (seed 002).
ACCOUNT_TYPE_CAPABILITIES: dict[str, frozenset[Action]] = {
    Kind.MANAGED: frozenset(),
    Kind.ONLINE_ASSISTED: frozenset(
        {
            Action.ADD_SEATS,
            Action.ADD_PRODUCTS,
            Action.UPGRADE_EDITION,
            Action.CREATE_BILLING_ADMINS,
            Action.REQUEST_CHANGES,
        }
    ),
    Kind.SELF_SERVICE: frozenset(
        {
            Action.ADD_SEATS,
            Action.REMOVE_SEATS,
            Action.ADD_PRODUCTS,
            Action.REMOVE_PRODUCTS,
            Action.UPGRADE_EDITION,
            Action.DOWNGRADE_EDITION,
            Action.CHANGE_BILLING_CYCLE,
            Action.CHANGE_PAYMENT_TYPE,
            Action.MANAGE_INVOICES,
            Action.CANCEL_ACCOUNT,
            Action.CREATE_BILLING_ADMINS,
        }
    ),
}
ALWAYS_ALLOWED = frozenset(
    {
        Action.VIEW_SUBSCRIPTION,
        Action.VIEW_INVOICES,
        Action.UPDATE_PAYMENT_METHOD,
        Action.MANAGE_BILLING_CONTACTS,
        Action.VIEW_BILLING_HISTORY,
        Action.EXPORT_DATA,
        Action.TRANSFER_OWNERSHIP,
    }
)

# The table's rows 1–9: changes to the subscription itself.
MODIFY_ACTIONS = frozenset(
    {
        Action.ADD_SEATS,
        Action.REMOVE_SEATS,
        Action.ADD_PRODUCTS,
        Action.REMOVE_PRODUCTS,
        Action.UPGRADE_EDITION,
        Action.DOWNGRADE_EDITION,
        Action.CHANGE_BILLING_CYCLE,
        Action.CHANGE_PAYMENT_TYPE,
        Action.MANAGE_INVOICES,
    }
)
OWNER_ONLY = frozenset({Action.REMOVE_PRODUCTS, Action.CANCEL_ACCOUNT, Action.CREATE_BILLING_ADMINS})

# The role layer (R2.2): admins view and may ask; billing admins modify; only the owner removes, cancels
# and creates billing admins (seed 000: "Les administrateurs de la facturation ne peuvent pas résilier").
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.OWNER: MODIFY_ACTIONS | OWNER_ONLY | ALWAYS_ALLOWED,
    Role.BILLING_ADMIN: (MODIFY_ACTIONS - OWNER_ONLY)
    | {Action.VIEW_SUBSCRIPTION, Action.VIEW_BILLING_HISTORY},
    Role.ADMIN: frozenset({Action.VIEW_SUBSCRIPTION, Action.REQUEST_CHANGES}),
    Role.AGENT: frozenset(),
}

DENIED_MESSAGES = {
    Role.AGENT: _(
        "Agents do not have access to billing. Ask your account owner or an admin if you need "
        "information about the subscription."
    ),
}
DEFAULT_DENIED_MESSAGE = _(
    "Your role in this account does not allow this. Ask the account owner if you think you need it."
)
ACTION_DENIED_MESSAGES = {
    Action.VIEW_INVOICES: _(
        "Invoices are available to the account owner, and to billing admins on self-service accounts. "
        "Ask the account owner for a copy."
    ),
    Action.UPDATE_PAYMENT_METHOD: _("Only the account owner can update the card. Ask the account owner."),
    Action.MANAGE_BILLING_CONTACTS: _("Only the account owner decides who receives the invoices."),
    Action.EXPORT_DATA: _("Only the account owner can export the account's data. Ask the account owner."),
    Action.TRANSFER_OWNERSHIP: _("Only the account owner can transfer the ownership of the account."),
}
OWNER_ONLY_MESSAGE = _(
    "Only the account owner can remove products, cancel the account or create billing admins. "
    "Billing admins and admins cannot."
)
ACCOUNT_TYPE_DENIED_MESSAGES = {
    Kind.MANAGED: _(
        "This is a managed account: changes to the subscription, removing products and cancelling go "
        "through your sales representative or customer support."
    ),
    Kind.ONLINE_ASSISTED: _(
        "On online-assisted accounts, this change goes through your sales representative or customer support."
    ),
    Kind.SELF_SERVICE: DEFAULT_DENIED_MESSAGE,
}
NO_ACCOUNT_MESSAGE = _(
    "Your user does not belong to any account. Support staff work in the staff console at /staff/."
)


def allowed(membership: Membership | None) -> frozenset[Action]:
    """Every action this member may take: the account type's capabilities met by the role's."""
    if membership is None:
        return frozenset()
    by_account_type = ACCOUNT_TYPE_CAPABILITIES[membership.account.kind] | ALWAYS_ALLOWED
    actions = by_account_type & ROLE_ACTIONS[membership.role]
    if Action.MANAGE_INVOICES in actions:  # managing invoices includes seeing them (R8.1)
        actions |= {Action.VIEW_INVOICES}
    return actions


def can(membership: Membership | None, action: Action) -> bool:
    return Action(action) in allowed(membership)


def can_modify(membership: Membership | None) -> bool:
    """R2.3: the Manage button shows to those who may change something."""
    return bool(allowed(membership) & (MODIFY_ACTIONS | {Action.CREATE_BILLING_ADMINS}))


def denied_message(membership: Membership | None, action: Action | None = None) -> str:
    """Why the member may not: no account, their role, or their account type (R4.1, R5.1, R2.3)."""
    if membership is None:
        return str(NO_ACCOUNT_MESSAGE)
    if membership.role in DENIED_MESSAGES:
        return str(DENIED_MESSAGES[membership.role])
    if action in ACTION_DENIED_MESSAGES:
        return str(ACTION_DENIED_MESSAGES[action])
    if action is not None and action in ROLE_ACTIONS[membership.role]:
        return str(ACCOUNT_TYPE_DENIED_MESSAGES[membership.account.kind])
    if action in OWNER_ONLY:
        return str(OWNER_ONLY_MESSAGE)
    return str(DEFAULT_DENIED_MESSAGE)


def require(membership: Membership | None, action: Action) -> None:
    """Raise PermissionDenied, with a message for people, unless the member may take the action."""
    if not can(membership, action):
        raise PermissionDenied(denied_message(membership, action))


def require_modify(membership: Membership | None) -> None:
    if not can_modify(membership):
        raise PermissionDenied(denied_message(membership))


def require_member(membership: Membership | None) -> None:
    if membership is None:
        raise PermissionDenied(NO_ACCOUNT_MESSAGE)


class UnknownCapability(Exception):
    """A template asked for a capability that does not exist: a typo must fail loudly, not hide a button."""


class Capabilities:
    """What templates read as `{% if can.remove_products %}`; `can.manage` is the Manage button (R2.3)."""

    def __init__(self, membership: Membership | None):
        self._membership = membership
        self._allowed = allowed(membership)

    def __getitem__(self, name: str) -> bool:
        if name == "manage":
            return can_modify(self._membership)
        try:
            return Action(name) in self._allowed
        except ValueError:
            raise UnknownCapability(name) from None

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]
