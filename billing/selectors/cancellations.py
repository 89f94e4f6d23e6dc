"""The cancellation journey's reads and rules (R4, R5): what may be removed, what a removal costs and
changes, and which warnings apply. Writes are in `billing.services.cancellations`."""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.models import (
    CancellationDraft,
    ScheduledChange,
    Subscription,
    SubscriptionChangeRequest,
    SubscriptionItem,
)
from billing.selectors.catalog import Catalog, catalog_for
from billing.selectors.prices import price_items
from billing.selectors.rows import table, tuples
from billing.selectors.subscription import LoadedSubscription, load_subscription
from billing.selectors.upcoming import UpcomingInvoice, upcoming_invoice

# R4.7 and R4.9: accounts created on or after this day are "new" (multi-product rule, Phase 4 Chat).
NEW_ACCOUNTS_SINCE = date(2020, 10, 7)
# R4.8: what an SPP owner's request asks support for (stored as the request's "what", read by staff).
SPP_DOWNGRADE_WHAT = "Downgrade Zendesk Suite to Support only"


Kind = ScheduledChange.Kind


class Block(StrEnum):
    """Why the whole Cancellations page is a message instead of the product list."""

    VIA_SUPPORT = "via_support"  # R4.2
    TRIAL = "trial"  # R5.4
    NO_SUBSCRIPTION = "no_subscription"
    CANCELLING = "cancelling"  # the account cancellation is already scheduled


class NotRemovable(StrEnum):
    SUITE_SPP = "suite_spp"  # R4.8
    LEGACY_CHAT = "legacy_chat"  # R4.9
    ENDING = "ending"  # already scheduled to end


NOT_REMOVABLE_MESSAGES = {
    NotRemovable.SUITE_SPP: _("Part of Zendesk Suite: Suite products cannot be removed one by one."),
    NotRemovable.LEGACY_CHAT: _("This Chat account predates Chat Phase 4: contact support to cancel it."),
    NotRemovable.ENDING: _("Already scheduled to end."),
}


class WarningCode(StrEnum):
    LEGACY_SUITE = "legacy_suite"  # R4.6 — needs its own checkbox
    TIER1 = "tier1"  # R4.7 — needs its own checkbox
    LEGACY_CHAT = "legacy_chat"  # R4.9 — information only


@dataclass(frozen=True)
class CancellationWarning:
    code: WarningCode
    needs_ack: bool
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    item: SubscriptionItem
    selected: bool
    not_removable: NotRemovable | None
    ends_on: datetime | None

    @property
    def why_not(self):
        return NOT_REMOVABLE_MESSAGES[self.not_removable] if self.not_removable else None


@dataclass(frozen=True)
class RemovalRow:
    item: SubscriptionItem
    price_now: int | None  # its list price per period today; None: included in a suite


@dataclass(frozen=True)
class InvoiceLineChange:
    """One line of the next invoice as it stands and with the removals; None: not on that invoice."""

    description: str
    quantity: int
    unit_amount: int
    before: int | None
    after: int | None


@dataclass
class RemovalSummary:
    rows: list[RemovalRow]
    # R6.5: the next invoice (billing.selectors.upcoming) as it stands and with the removals; None: none.
    next_before: UpcomingInvoice | None
    next_after: UpcomingInvoice | None
    ends_suite_pricing: bool
    cancels_account: bool
    warnings: list[CancellationWarning]

    @property
    def acknowledgements_needed(self) -> list[WarningCode]:
        return [w.code for w in self.warnings if w.needs_ack]

    @property
    def total_now(self) -> int:
        return self.next_before.total if self.next_before else 0

    @property
    def total_next(self) -> int:
        return self.next_after.total if self.next_after else 0

    @property
    def lines(self) -> list[InvoiceLineChange]:
        """Both invoices line by line, so that each column adds up to its total: the lines as they stand,
        then those only the removals bring (each product at its own price when suite pricing ends)."""
        before, after = _by_description(self.next_before), _by_description(self.next_after)
        changes = []
        for description in [*before, *(d for d in after if d not in before)]:
            was, will = before.get(description), after.get(description)
            line = was or will
            changes.append(
                InvoiceLineChange(
                    description,
                    line.quantity,
                    line.unit_amount,
                    was.amount if was else None,
                    will.amount if will else None,
                )
            )
        return changes


def _by_description(invoice: UpcomingInvoice | None) -> dict:
    return {line.description: line for line in invoice.lines} if invoice else {}


@dataclass
class CancellationPage:
    account: Account
    subscription: Subscription | None
    block: Block | None
    candidates: list[Candidate]
    summary: RemovalSummary | None
    draft: CancellationDraft | None
    pending_cancellation: ScheduledChange | None
    pending: list[ScheduledChange] = field(default_factory=list)  # every pending change (the banner's)

    @property
    def effective_at(self) -> datetime | None:
        """R4.5, R5.3: everything ends at the end of the current billing period."""
        return self.subscription.current_period_end if self.subscription else None

    @property
    def selected(self) -> list[SubscriptionItem]:
        return [c.item for c in self.candidates if c.selected]

    @property
    def is_spp(self) -> bool:
        return self.account.pricing == Account.Pricing.SPP_SUITE

    @property
    def chat_phase4_since(self) -> date:
        return NEW_ACCOUNTS_SINCE

    @property
    def has_legacy_chat(self) -> bool:
        return any(c.not_removable == NotRemovable.LEGACY_CHAT for c in self.candidates)

    @property
    def has_removable(self) -> bool:
        """R4.3, R4.8: whether any product can be selected at all; without one, the page shows neither a
        list of "products you can cancel" nor an empty summary."""
        return any(c.not_removable is None and c.ends_on is None for c in self.candidates)


def tier1_rule_applies(account: Account, product_count: int) -> bool:
    """R4.7 does not apply to multi-product accounts created on or after 2020-10-07."""
    return account.created_on < NEW_ACCOUNTS_SINCE or product_count <= 1


def not_removable(account: Account, item: SubscriptionItem, ending: set[int]) -> NotRemovable | None:
    if item.pk in ending:
        return NotRemovable.ENDING
    if account.pricing == Account.Pricing.SPP_SUITE and item.bundle_id is not None:
        return NotRemovable.SUITE_SPP
    if item.product.code == "chat" and not account.chat_phase4:
        return NotRemovable.LEGACY_CHAT
    return None


def page_block(account: Account, subscription: Subscription | None, pending_cancellation) -> Block | None:
    if account.cancellation_via_support:
        return Block.VIA_SUPPORT
    if account.is_trial:
        return Block.TRIAL
    if subscription is None:
        return Block.NO_SUBSCRIPTION
    if pending_cancellation is not None:
        return Block.CANCELLING
    return None


def removal_summary(
    loaded: LoadedSubscription, selected: list[SubscriptionItem], catalog: Catalog | None = None
) -> RemovalSummary:
    """What removing `selected` at the end of the period does: the next invoice before and after (R4.5,
    R6.5), the end of suite pricing (R4.6), whether the account ends with them (R4.7), and the warnings to
    show. `catalog`: the account's prices, when the caller has them already."""
    account, subscription, items = loaded.account, loaded.subscription, loaded.items
    ending = loaded.ending_items
    catalog = catalog or catalog_for(account.currency, products=loaded.products)
    now_quote = price_items(
        subscription, items, catalog.price_table(subscription.cycle), discounts=loaded.discounts
    )
    chosen = {i.pk for i in selected}
    remaining = [i for i in items if i.pk not in chosen and i.pk not in ending]
    ends_suite_pricing = account.pricing == Account.Pricing.LEGACY_SUITE and any(
        i.bundle_id for i in selected
    )
    applies = tier1_rule_applies(account, len(items))
    cancels_account = not remaining or (
        applies and bool(selected) and not any(i.product.is_tier1 for i in remaining)
    )
    removals = [_scheduled(subscription, Kind.REMOVE_ITEM, item=item) for item in selected]
    if ends_suite_pricing:
        suite = next(i.bundle for i in selected if i.bundle_id)
        removals.append(_scheduled(subscription, Kind.END_SUITE_PRICING, payload={"suite": suite.code}))
    if cancels_account:
        removals.append(_scheduled(subscription, Kind.CANCEL_ACCOUNT))
    next_before, next_after = (
        upcoming_invoice(
            subscription, items, discounts=loaded.every_discount, pending=pending, prices=catalog.prices
        )
        for pending in (loaded.pending, [*loaded.pending, *removals])
    )

    warnings = []
    if ends_suite_pricing:
        old, new = (invoice.total if invoice else 0 for invoice in (next_before, next_after))
        warnings.append(CancellationWarning(WarningCode.LEGACY_SUITE, True, {"old": old, "new": new}))
    tier1_selected = [i.product.name for i in selected if i.product.is_tier1]
    if applies and tier1_selected:
        # R4.7: name what keeps the account alive, or say that nothing does.
        tier1_remaining = [i.product.name for i in remaining if i.product.is_tier1]
        params = {
            "products": ", ".join(tier1_selected),
            "remaining": ", ".join(tier1_remaining),
            "remaining_count": len(tier1_remaining),
            "cancels": cancels_account,
        }
        warnings.append(CancellationWarning(WarningCode.TIER1, True, params))
    if any(i.product.code == "chat" for i in items) and not account.chat_phase4:
        warnings.append(CancellationWarning(WarningCode.LEGACY_CHAT, False))
    return RemovalSummary(
        rows=[RemovalRow(i, now_quote.lines[i.pk]) for i in selected],
        next_before=next_before,
        next_after=next_after,
        ends_suite_pricing=ends_suite_pricing,
        cancels_account=cancels_account,
        warnings=warnings,
    )


def _scheduled(subscription: Subscription, kind: str, *, item=None, payload=None) -> ScheduledChange:
    """A removal as the summary would schedule it (never saved): at the end of the current period."""
    return ScheduledChange(
        account=subscription.account,
        kind=kind,
        item=item,
        payload=payload or {},
        effective_at=subscription.current_period_end,
    )


def _draft_of(account: Account) -> tuple[CancellationDraft | None, set[int]]:
    """The account's draft (its key) and the items selected in it, in one read."""
    sql = (
        f"SELECT d.id, d.token, i.subscriptionitem_id FROM {table(CancellationDraft)} d "
        f"LEFT JOIN {table(CancellationDraft.items.through)} i ON i.cancellationdraft_id = d.id "
        "WHERE d.account_id = %s"
    )
    found = tuples(sql, account.pk)
    if not found:
        return None, set()
    pk, token, _item = found[0]
    token = CancellationDraft._meta.get_field("token").to_python(token)
    return CancellationDraft(pk=pk, account=account, token=token), {item for *_, item in found if item}


def cancellation_page(
    account: Account,
    *,
    now: datetime,
    loaded: LoadedSubscription | None = None,
    catalog: Catalog | None = None,
) -> CancellationPage:
    """The Cancellations page, its draft selection and the summary: the subscription (`loaded`, or loaded
    here), the draft and its selection, and the prices when something is selected (`catalog`'s if given)."""
    loaded = loaded or load_subscription(account, now=now)
    subscription = loaded.subscription if loaded else None
    cancellation = loaded.cancellation if loaded else None
    block = page_block(account, subscription, cancellation)
    if block is not None:
        pending = loaded.pending if loaded else []
        return CancellationPage(account, subscription, block, [], None, None, cancellation, pending)
    draft, selected_ids = _draft_of(account)
    ending = loaded.ending_items
    candidates = []
    for item in loaded.items:
        reason = not_removable(account, item, set(ending))
        candidates.append(
            Candidate(item, item.pk in selected_ids and reason is None, reason, ending.get(item.pk))
        )
    selected = [c.item for c in candidates if c.selected]
    summary = removal_summary(loaded, selected, catalog) if selected else None
    return CancellationPage(account, subscription, None, candidates, summary, draft, None, loaded.pending)


def pending_spp_downgrade(account: Account) -> SubscriptionChangeRequest | None:
    """R4.8: the SPP owner's downgrade request that support has not decided yet, if any."""
    return SubscriptionChangeRequest.objects.filter(
        account=account, what=SPP_DOWNGRADE_WHAT, status=SubscriptionChangeRequest.Status.PENDING
    ).first()
