"""The quote engine (R6): what a change to the subscription does, when, what it costs now (prorated) and
what the subscription costs from then on. Quotes are computed from a `ChangeState` (billing.selectors.changes)
and a moment, with the pure arithmetic of `billing.pricing`; `billing.services.changes` signs, confirms and
applies them. Confirming recomputes a quote at its own moment and refuses when anything differs, so what
is charged is always what was shown.
"""

import copy
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.policy import Action
from billing import pricing
from billing.models import Cycle, Edition, Product, ScheduledChange, Subscription, SubscriptionItem
from billing.money import format_day
from billing.selectors.changes import ChangeKind, ChangeSpec, ChangeState, Line
from billing.selectors.prices import MissingPrice, quote_item
from billing.selectors.upcoming import UpcomingInvoice, projection, upcoming_invoice
from billing.wording import change_description

MAX_SEATS = 10_000  # per product line; larger orders go through sales
MAX_TEMPORARY_EXTENSION_DAYS = 365

BELOW_SEATS_IN_USE = ngettext_lazy(
    "%(product)s cannot go below %(in_use)s seat: %(in_use)s member uses an agent seat.",
    "%(product)s cannot go below %(in_use)s seats: %(in_use)s members use an agent seat.",
    "in_use",
)
PRICED_PER_ACCOUNT = _("%(product)s is priced per account: it has no agent seats.")
TOO_MANY_SEATS = _("At most %(max)s seats per product. Contact sales for more.")
PENDING_CHANGE_EXISTS = _("A change to %(product)s is already scheduled for the next period. Undo it first.")
ITEM_ENDS = _("%(product)s ends on %(date)s: it can no longer be changed.")
ACCOUNT_ENDS = _("The account is cancelled from %(date)s: only the payment type can still change.")
ALREADY_SUBSCRIBED = _("%(product)s is already part of the subscription.")
NOT_FOR_SALE = _("This product is not sold in this edition and currency.")
SAME_EDITION = _("%(product)s is already on this edition.")
SAME_CYCLE = _("The subscription is already billed this way.")
SAME_PAYMENT_TYPE = _("This is already the payment type.")
NO_TEMPORARY_SEATS = _("%(product)s has no temporary seats to extend.")
BAD_EXTENSION = _("Choose a date after %(date)s and at most a year later.")
CHOOSE_SEATS = _("Choose a number of seats from 1 to %(max)s.")
PRORATED_LINE = _("%(what)s, prorated %(start)s – %(end)s")


@dataclass(frozen=True)
class NextInvoice:
    """What a preview says of the next invoice: its date, total (tax included) and the period it covers."""

    on: datetime
    total: int
    cycle: str

    @classmethod
    def of(cls, upcoming: UpcomingInvoice | None) -> "NextInvoice | None":
        return cls(upcoming.on, upcoming.total, upcoming.cycle) if upcoming else None


@dataclass(frozen=True)
class ChangeQuote:
    spec: ChangeSpec
    action: Action
    quoted_at: datetime
    period_end: datetime
    effective_at: datetime | None  # None: now; else the start of the next period
    charge_now: int
    total_now: int
    total_after: int
    currency: str
    subject: str  # the product or line's name, for messages
    # R6.5: the next invoice (billing.selectors.upcoming) without and with the change; None: there is none.
    next_before: NextInvoice | None = None
    next_after: NextInvoice | None = None
    extends_from: date | None = None  # extending temporary seats: their current end, where the charge starts

    @property
    def is_next_period(self) -> bool:
        return self.effective_at is not None

    @property
    def charge_from(self) -> date | datetime:
        """The start of the period the charge now covers: now (prorated), or the temporary seats' end."""
        return self.extends_from or self.quoted_at

    @property
    def charge_until(self) -> date | datetime:
        return self.spec.until if self.extends_from else self.period_end


# --- Projections: the subscription's items as they would be, on copies never saved ---------------------


def _quote_items(items: list[SubscriptionItem]) -> dict[int, pricing.QuoteItem]:
    return {i.pk: quote_item(i) for i in items}


def _with_line(state: ChangeState, line: Line, *, seats: int | None = None, edition: str | None = None):
    """Copies of the running items, `line` changed: a suite's seats and edition change together."""
    ids = {item.pk for item in line.items}
    items = [copy.copy(item) for item in state.items]
    for item in items:
        if item.pk in ids:
            if seats is not None and item.product.unit == Product.Unit.SEAT:
                item.seats = seats
            if edition is not None:
                item.edition = edition
    return items


@dataclass(frozen=True)
class ScheduledChangeView:
    """A change for the next period as plain values, so that it can be projected before it exists."""

    kind: str
    item_id: int | None
    payload: dict


def _as_change(state: ChangeState, view: ScheduledChangeView) -> ScheduledChange:
    """The change as the Manage page would schedule it (not saved): at the end of the current period."""
    return ScheduledChange(
        account=state.account,
        kind=view.kind,
        item_id=view.item_id,
        payload=view.payload,
        effective_at=state.subscription.current_period_end,
    )


def _next_period(state: ChangeState, extra: ScheduledChangeView | None = None) -> tuple[dict, str]:
    """The items and cycle of the next period: today's, with every change effective by then applied (and
    `extra`), as the clock will apply them (billing.selectors.upcoming)."""
    changes = [*state.scheduled, *([_as_change(state, extra)] if extra else [])]
    at = state.subscription.current_period_end
    projected = projection(state.subscription, state.items, changes, at=at)
    return _quote_items(projected.items), projected.cycle


def _upcoming(state: ChangeState, items: list[SubscriptionItem], extra: ScheduledChangeView | None = None):
    """The next invoice with `items` as the running items (and `extra` scheduled too)."""
    pending = [*state.scheduled, *([_as_change(state, extra)] if extra else [])]
    try:
        upcoming = upcoming_invoice(
            state.subscription, items, discounts=state.every_discount, pending=pending, prices=state.prices
        )
    except (MissingPrice, KeyError):
        raise ValidationError(NOT_FOR_SALE) from None
    return NextInvoice.of(upcoming)


def _total(state: ChangeState, qitems: dict, cycle: str) -> int:
    try:
        coupons = [pricing.Coupon(d.coupon.percent_off_bp, d.coupon.amount_off) for d in state.discounts]
        return pricing.quote(qitems.values(), state.table(cycle), cycle=cycle, coupons=coupons).total
    except KeyError:
        raise ValidationError(NOT_FOR_SALE) from None


# --- Quotes ---------------------------------------------------------------------------------------


def quote_change(state: ChangeState, spec: ChangeSpec, *, now: datetime) -> ChangeQuote:
    """What `spec` changes, when, what it costs now (prorated) and the new total per period. Raises
    ValidationError with a message for people when the change cannot be made, Http404 for a foreign item."""
    sub = state.subscription
    spec = _as_priced(state, spec)
    total_now = _total(state, _quote_items(state.items), sub.cycle)
    build = _QUOTERS[spec.kind]
    action, subject, after = build(state, spec, now)
    next_before = _upcoming(state, state.items)
    if isinstance(after, ScheduledChangeView):  # a change for the next period
        _refuse_if_account_ends(state)
        qitems, cycle = _next_period(state, after)
        return ChangeQuote(
            spec,
            action,
            now,
            sub.current_period_end,
            sub.current_period_end,
            0,
            total_now,
            _total(state, qitems, cycle),
            state.account.currency,
            subject,
            next_before,
            _upcoming(state, state.items, after),
        )
    items_after, extra_charge = after
    total_after = _total(state, _quote_items(items_after), sub.cycle)
    charge = extra_charge + pricing.charge_for_increase(
        total_before=total_now,
        total_after=total_after,
        now=now,
        start=sub.current_period_start,
        end=sub.current_period_end,
    )
    if state.account.is_trial:
        charge = 0  # nothing is charged during a trial
    return ChangeQuote(
        spec,
        action,
        now,
        sub.current_period_end,
        None,
        charge,
        total_now,
        total_after,
        state.account.currency,
        subject,
        next_before,
        _upcoming(state, items_after),
        state.line_of(spec.item).temporary_item.temporary_seats_end
        if spec.kind == ChangeKind.EXTEND_TEMPORARY
        else None,
    )


def _as_priced(state: ChangeState, spec: ChangeSpec) -> ChangeSpec:
    """A product priced per account is bought without seats, whatever number the form sent: the preview,
    the invoice line and the billing history never say "7 agent seats" of it."""
    product = next((p for p in state.products_for_sale if p.code == spec.product), None)
    per_account = spec.kind == ChangeKind.ADD_PRODUCT and product and product.unit == Product.Unit.ACCOUNT
    return replace(spec, seats=None) if per_account else spec


def _refuse_if_account_ends(state: ChangeState) -> None:
    if state.cancellation is not None:
        raise ValidationError(
            ACCOUNT_ENDS, params={"date": format_day(state.cancellation.effective_at, "long")}
        )


def _changeable_line(state: ChangeState, spec: ChangeSpec) -> Line:
    line = state.line_of(spec.item)
    _refuse_if_account_ends(state)
    if line.ends_on is not None:
        raise ValidationError(
            ITEM_ENDS, params={"product": line.name, "date": format_day(line.ends_on, "long")}
        )
    return line


def _seated_line(state: ChangeState, spec: ChangeSpec) -> Line:
    line = _changeable_line(state, spec)
    if not line.per_seat:
        raise ValidationError(PRICED_PER_ACCOUNT, params={"product": line.name})
    return line


def _seats(spec: ChangeSpec) -> int:
    if spec.seats is None or not 1 <= spec.seats <= MAX_SEATS:
        raise ValidationError(CHOOSE_SEATS, params={"max": MAX_SEATS})
    return spec.seats


def _quote_add_seats(state, spec, now):
    line = _seated_line(state, spec)
    _no_pending(line, ScheduledChange.Kind.SET_SEATS)  # the pending count would silently undo the addition
    new = line.seats + _seats(spec)
    if new > MAX_SEATS:
        raise ValidationError(TOO_MANY_SEATS, params={"max": MAX_SEATS})
    return Action.ADD_SEATS, line.name, (_with_line(state, line, seats=new), 0)


def _no_pending(line: Line, kind: str) -> None:
    if any(c.kind == kind for c in line.pending):
        raise ValidationError(PENDING_CHANGE_EXISTS, params={"product": line.name})


def _quote_remove_seats(state, spec, now):
    line = _seated_line(state, spec)
    _no_pending(line, ScheduledChange.Kind.SET_SEATS)
    new = line.seats - _seats(spec)
    if new < max(1, state.seats_in_use):
        raise ValidationError(BELOW_SEATS_IN_USE, params={"product": line.name, "in_use": state.seats_in_use})
    view = ScheduledChangeView(ScheduledChange.Kind.SET_SEATS, line.head.pk, {"seats": new})
    return Action.REMOVE_SEATS, line.name, view


def _quote_add_product(state, spec, now):
    product = next((p for p in state.products_for_sale if p.code == spec.product), None)
    if product is None:
        active = next((i.product for i in state.items if i.product.code == spec.product), None)
        if active is not None:
            raise ValidationError(ALREADY_SUBSCRIBED, params={"product": active.name})
        raise ValidationError(NOT_FOR_SALE)
    if (
        spec.edition not in Edition.values
        or (product.pk, spec.edition, state.subscription.cycle) not in state.prices
    ):
        raise ValidationError(NOT_FOR_SALE)
    seats = _seats(spec) if product.unit == Product.Unit.SEAT else 1
    new = SubscriptionItem(
        subscription=state.subscription, product=product, edition=spec.edition, seats=seats
    )
    items = sorted([*state.items, new], key=lambda item: item.product.position)
    return Action.ADD_PRODUCTS, product.name, (items, 0)


def _quote_change_edition(state, spec, now):
    line = _changeable_line(state, spec)
    if spec.edition not in Edition.values:
        raise ValidationError(NOT_FOR_SALE)
    if spec.edition == line.edition:
        raise ValidationError(SAME_EDITION, params={"product": line.name})
    if (line.product.pk, spec.edition, state.subscription.cycle) not in state.prices:
        raise ValidationError(NOT_FOR_SALE)
    _no_pending(line, ScheduledChange.Kind.SET_EDITION)
    if pricing.is_upgrade(line.edition, spec.edition):  # R6.2: an upgrade applies now, prorated
        return Action.UPGRADE_EDITION, line.name, (_with_line(state, line, edition=spec.edition), 0)
    view = ScheduledChangeView(ScheduledChange.Kind.SET_EDITION, line.head.pk, {"edition": spec.edition})
    return Action.DOWNGRADE_EDITION, line.name, view


def _quote_change_cycle(state, spec, now):
    if spec.cycle not in Cycle.values or spec.cycle == state.subscription.cycle:
        raise ValidationError(SAME_CYCLE)
    if any(c.kind == ScheduledChange.Kind.SET_CYCLE for c in state.scheduled):
        raise ValidationError(PENDING_CHANGE_EXISTS, params={"product": _("the billing cycle")})
    view = ScheduledChangeView(ScheduledChange.Kind.SET_CYCLE, None, {"cycle": spec.cycle})
    return Action.CHANGE_BILLING_CYCLE, str(_("Billing cycle")), view


def _quote_change_payment_type(state, spec, now):
    if (
        spec.payment_type not in Subscription.PaymentType.values
        or spec.payment_type == state.subscription.payment_type
    ):
        raise ValidationError(SAME_PAYMENT_TYPE)
    return Action.CHANGE_PAYMENT_TYPE, str(_("Payment type")), (state.items, 0)


def _quote_extend_temporary(state, spec, now):
    line = _changeable_line(state, spec)
    item = line.temporary_item
    if item is None:
        raise ValidationError(NO_TEMPORARY_SEATS, params={"product": line.name})
    current_end = item.temporary_seats_end
    if spec.until is None or not current_end < spec.until <= current_end + timedelta(
        MAX_TEMPORARY_EXTENSION_DAYS
    ):
        raise ValidationError(BAD_EXTENSION, params={"date": format_day(current_end, "long")})
    unit = state.prices[(item.product_id, item.edition, Cycle.MONTHLY)]
    charge = pricing.temporary_seats_charge(
        unit_amount=unit, seats=item.temporary_seats, days=(spec.until - current_end).days
    )
    return Action.ADD_SEATS, line.name, (state.items, charge)


_QUOTERS = {
    ChangeKind.ADD_SEATS: _quote_add_seats,
    ChangeKind.REMOVE_SEATS: _quote_remove_seats,
    ChangeKind.ADD_PRODUCT: _quote_add_product,
    ChangeKind.CHANGE_EDITION: _quote_change_edition,
    ChangeKind.CHANGE_CYCLE: _quote_change_cycle,
    ChangeKind.CHANGE_PAYMENT_TYPE: _quote_change_payment_type,
    ChangeKind.EXTEND_TEMPORARY: _quote_extend_temporary,
}


def describe(quote: ChangeQuote, language: str) -> str:
    """The change in words, in `language`: the line of the invoice that charges it."""
    with translation.override(language):
        what = change_description(quote.spec, quote.subject, since=quote.extends_from)
        if not quote.charge_now or quote.extends_from:  # an extension says the period it covers already
            return what
        return str(
            PRORATED_LINE
            % {"what": what, "start": format_day(quote.quoted_at), "end": format_day(quote.period_end)}
        )


@dataclass(frozen=True)
class Alternative:
    """R7.5: a cheaper way to stay, leading to its Manage preview, with the next invoice before and after
    (R6.5) as the preview states them."""

    spec: ChangeSpec
    subject: str
    next_before: NextInvoice
    next_after: NextInvoice
    currency: str


def cheaper_alternatives(
    state: ChangeState | None, *, now: datetime, item_ids: set[int] | None = None
) -> list[Alternative]:
    """The next lower edition and the fewest seats allowed for each product (or only the given ones),
    when they cost less from the next period."""
    if state is None or state.cancellation is not None:
        return []
    specs = []
    for line in state.lines:
        if item_ids is not None and not item_ids & {i.pk for i in line.items}:
            continue
        lower = [e for e in pricing.EDITION_ORDER if pricing.is_upgrade(e, line.edition)]
        if lower:
            specs.append(ChangeSpec(ChangeKind.CHANGE_EDITION, item=line.head.pk, edition=lower[-1]))
        if line.per_seat and line.seats > max(1, state.seats_in_use):
            specs.append(
                ChangeSpec(
                    ChangeKind.REMOVE_SEATS, item=line.head.pk, seats=line.seats - max(1, state.seats_in_use)
                )
            )
    alternatives = []
    for spec in specs:
        try:
            quote = quote_change(state, spec, now=now)
        except ValidationError:
            continue
        before, after = quote.next_before, quote.next_after
        if before and after and after.cycle == before.cycle and after.total < before.total:
            alternatives.append(Alternative(spec, quote.subject, before, after, quote.currency))
    return alternatives
