"""Changes to a subscription in words, in the active language: the Manage page's preview and pending
changes, the cheaper alternatives, and the invoice line of a change charged now. Plain functions rather than
included templates: a page shows several, and an include costs more than the words."""

from django.utils.translation import gettext, ngettext

from billing import pricing
from billing.models import Cycle, Edition, ScheduledChange, Subscription
from billing.money import UnitPrice, format_day
from billing.selectors.changes import ChangeKind, ChangeSpec, ChangeState, Line


def _label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else str(value)


def change_description(spec: ChangeSpec, subject: str, *, since=None) -> str:
    """The change in words, in the active language: the preview, the cheaper alternatives, invoice lines.
    `since`: for an extension of temporary seats, their current end (the extension covers since → until)."""
    values = {"product": subject, "counter": spec.seats}
    if spec.kind == ChangeKind.ADD_SEATS:
        return (
            ngettext(
                "Add %(counter)s agent seat to %(product)s",
                "Add %(counter)s agent seats to %(product)s",
                spec.seats,
            )
            % values
        )
    if spec.kind == ChangeKind.REMOVE_SEATS:
        return (
            ngettext(
                "Remove %(counter)s agent seat from %(product)s",
                "Remove %(counter)s agent seats from %(product)s",
                spec.seats,
            )
            % values
        )
    if spec.kind == ChangeKind.ADD_PRODUCT:
        what = gettext("Add %(product)s %(edition)s") % {**values, "edition": _label(Edition, spec.edition)}
        if not spec.seats:
            return what
        seats = ngettext("%(counter)s agent seat", "%(counter)s agent seats", spec.seats) % values
        return f"{what} · {seats}"
    if spec.kind == ChangeKind.CHANGE_EDITION:
        return gettext("Change %(product)s to %(edition)s") % {
            **values,
            "edition": _label(Edition, spec.edition),
        }
    if spec.kind == ChangeKind.CHANGE_CYCLE:
        return gettext("New billing cycle: %(cycle)s") % {"cycle": _label(Cycle, spec.cycle)}
    if spec.kind == ChangeKind.CHANGE_PAYMENT_TYPE:
        return gettext("Pay by: %(payment_type)s") % {
            "payment_type": _label(Subscription.PaymentType, spec.payment_type)
        }
    if since is None:
        return gettext("Extend the temporary seats of %(product)s until %(date)s") % {
            **values,
            "date": format_day(spec.until, "long"),
        }
    return gettext("Extend the temporary seats of %(product)s from %(start)s to %(end)s") % {
        **values,
        "start": format_day(since, "long"),
        "end": format_day(spec.until, "long"),
    }


def edition_choice(edition: str, *, starts, price: UnitPrice | None) -> str:
    """An edition offered on the Manage page: an upgrade (now) or a downgrade (from `starts`, the next
    period), and its list price."""
    if starts is None:
        choice = gettext("%(edition)s — upgrade, now") % {"edition": edition}
    else:
        choice = gettext("%(edition)s — downgrade, from %(date)s") % {
            "edition": edition,
            "date": format_day(starts, "long"),
        }
    return f"{choice} · {price}" if price else choice


def edition_options(
    state: ChangeState, line: Line, *, upgrade: bool, downgrade: bool
) -> list[tuple[str, str]]:
    """The editions this member may move a line to (higher ones to upgrade, lower ones to downgrade), each
    named as an upgrade (now) or a downgrade (from the next period), with its list price."""
    options = []
    for value, label in Edition.choices:
        is_upgrade = pricing.is_upgrade(line.edition, value)
        if value == line.edition or not (upgrade if is_upgrade else downgrade):
            continue
        starts = None if is_upgrade else state.subscription.current_period_end
        options.append(
            (value, edition_choice(label, starts=starts, price=state.unit_price(line.product, value)))
        )
    return options


def scheduled_change_description(change: ScheduledChange) -> str:
    """A scheduled change in words, with its effective date (the Manage page's pending changes, the
    Subscription page's scheduled changes, R3.6)."""
    date = format_day(change.effective_at, "long")
    if change.kind == ScheduledChange.Kind.CANCEL_ACCOUNT:
        return gettext("The account is cancelled on %(date)s") % {"date": date}
    if change.kind == ScheduledChange.Kind.END_SUITE_PRICING:
        return gettext("Suite pricing ends on %(date)s: each product is then priced on its own") % {
            "date": date
        }
    if change.kind == ScheduledChange.Kind.SET_CYCLE:
        return gettext("Billing cycle: %(cycle)s from %(date)s") % {
            "cycle": _label(Cycle, change.payload["cycle"]),
            "date": date,
        }
    item = change.item
    if change.kind == ScheduledChange.Kind.REMOVE_ITEM:
        return gettext("%(product)s ends on %(date)s") % {"product": item.product.name, "date": date}
    values = {"product": item.bundle.name if item.bundle_id else item.product.name, "date": date}
    if change.kind == ScheduledChange.Kind.SET_SEATS:
        seats = change.payload["seats"]
        return ngettext(
            "%(product)s: %(counter)s agent seat from %(date)s",
            "%(product)s: %(counter)s agent seats from %(date)s",
            seats,
        ) % {**values, "counter": seats}
    return gettext("%(product)s: %(edition)s from %(date)s") % {
        **values,
        "edition": _label(Edition, change.payload["edition"]),
    }
