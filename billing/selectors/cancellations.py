"""The cancellation journey's reads and rules (R4, R5): what may be removed, what a removal costs and
changes, and which warnings apply. Writes are in `billing.services.cancellations`."""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.models import CancellationDraft, ScheduledChange, Subscription, SubscriptionItem
from billing.selectors.catalog import Catalog
from billing.selectors.prices import price_items
from billing.selectors.rows import table, tuples
from billing.selectors.subscription import LoadedSubscription, load_subscription, price_table_for

# R4.7 and R4.9: accounts created on or after this day are "new" (multi-product rule, Phase 4 Chat).
NEW_ACCOUNTS_SINCE = date(2020, 10, 7)


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
    price_now: int | None  # None: included in a suite


@dataclass
class RemovalSummary:
    rows: list[RemovalRow]
    total_now: int
    total_next: int
    ends_suite_pricing: bool
    cancels_account: bool
    warnings: list[CancellationWarning]

    @property
    def acknowledgements_needed(self) -> list[WarningCode]:
        return [w.code for w in self.warnings if w.needs_ack]


@dataclass
class CancellationPage:
    account: Account
    subscription: Subscription | None
    block: Block | None
    candidates: list[Candidate]
    summary: RemovalSummary | None
    draft: CancellationDraft | None
    pending_cancellation: ScheduledChange | None

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
    loaded: LoadedSubscription, selected: list[SubscriptionItem], table: dict | None = None
) -> RemovalSummary:
    """What removing `selected` at the end of the period does: prices before and after (R4.5), the end
    of suite pricing (R4.6), whether the account ends with them (R4.7), and the warnings to show. `table`:
    the list prices in the subscription's cycle, when the caller has them already."""
    account, subscription, items = loaded.account, loaded.subscription, loaded.items
    ending = loaded.ending_items
    table = table if table is not None else price_table_for(subscription)
    now_quote = price_items(subscription, items, table, discounts=loaded.discounts)
    chosen = {i.pk for i in selected}
    remaining = [i for i in items if i.pk not in chosen and i.pk not in ending]
    ends_suite_pricing = account.pricing == Account.Pricing.LEGACY_SUITE and any(
        i.bundle_id for i in selected
    )
    applies = tier1_rule_applies(account, len(items))
    cancels_account = not remaining or (
        applies and bool(selected) and not any(i.product.is_tier1 for i in remaining)
    )
    next_total = 0
    if not cancels_account:
        next_total = price_items(
            subscription, remaining, table, discounts=loaded.discounts, suite_pricing=not ends_suite_pricing
        ).total

    warnings = []
    if ends_suite_pricing:
        warnings.append(
            CancellationWarning(WarningCode.LEGACY_SUITE, True, {"old": now_quote.total, "new": next_total})
        )
    tier1_selected = [i.product.name for i in selected if i.product.is_tier1]
    if applies and tier1_selected:
        warnings.append(
            CancellationWarning(
                WarningCode.TIER1, True, {"products": ", ".join(tier1_selected), "cancels": cancels_account}
            )
        )
    if any(i.product.code == "chat" for i in items) and not account.chat_phase4:
        warnings.append(CancellationWarning(WarningCode.LEGACY_CHAT, False))
    return RemovalSummary(
        rows=[RemovalRow(i, now_quote.lines[i.pk]) for i in selected],
        total_now=now_quote.total,
        total_next=next_total,
        ends_suite_pricing=ends_suite_pricing,
        cancels_account=cancels_account,
        warnings=warnings,
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
        return CancellationPage(account, subscription, block, [], None, None, cancellation)
    draft, selected_ids = _draft_of(account)
    ending = loaded.ending_items
    candidates = []
    for item in loaded.items:
        reason = not_removable(account, item, set(ending))
        candidates.append(
            Candidate(item, item.pk in selected_ids and reason is None, reason, ending.get(item.pk))
        )
    selected = [c.item for c in candidates if c.selected]
    table = catalog.price_table(loaded.subscription.cycle) if catalog else None
    summary = removal_summary(loaded, selected, table) if selected else None
    return CancellationPage(account, subscription, None, candidates, summary, draft, None)
