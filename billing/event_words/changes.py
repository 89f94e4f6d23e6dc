"""Changes to the subscription in the billing history: Manage changes, scheduled changes, undone and
reinstated ones (R9.4)."""

from django.utils.translation import gettext, ngettext

from billing import catalog
from billing.event_words.details import Details, label, lower_label, seats_text
from billing.models import BillingEvent, Cycle, Edition, ScheduledChange, Subscription

Kind = BillingEvent.Kind


def _seat_counts(d: Details) -> dict | None:
    """The line and its seats before and after, when all three were stored."""
    product, before, after = d.product(), d.before.get("seats"), d.after.get("seats")
    if not product or before is None or after is None:
        return None
    return {"product": product, "before": before, "after": seats_text(after), "date": d.day("from")}


def _seats_added(d: Details) -> str:
    values = _seat_counts(d)
    if values is None:
        return gettext("Agent seats were added.")
    return gettext("%(product)s went from %(before)s to %(after)s.") % values


def _seats_reduction(d: Details) -> str:
    values = _seat_counts(d)
    if values is None:
        return gettext("Agent seats will be removed at the next renewal.")
    if values["date"]:
        return gettext("%(product)s will go from %(before)s to %(after)s on %(date)s.") % values
    return gettext("%(product)s will go from %(before)s to %(after)s at the next renewal.") % values


def _product_added(d: Details) -> str:
    values = {"product": d.product(), "edition": label(Edition, d.after.get("edition"))}
    if not values["product"]:
        return gettext("A product was added.")
    per_seat = d.after.get("unit", _catalog_unit(d.after.get("product"))) == "seat"
    if per_seat and d.after.get("seats"):
        return gettext("%(product)s %(edition)s was added with %(seats)s.") % {
            **values,
            "seats": seats_text(d.after["seats"]),
        }
    return gettext("%(product)s %(edition)s was added.") % values


def _catalog_unit(code) -> str:
    known = catalog.PRODUCTS.get(code)
    return known[2] if known else "seat"


def _editions(d: Details) -> dict | None:
    values = {
        "product": d.product(),
        "before": label(Edition, d.before.get("edition")),
        "after": label(Edition, d.after.get("edition")),
        "date": d.day("from"),
    }
    return values if values["product"] and values["before"] and values["after"] else None


def _edition_upgraded(d: Details) -> str:
    values = _editions(d)
    if values is None:
        return gettext("An edition was upgraded.")
    return gettext("%(product)s was upgraded from %(before)s to %(after)s.") % values


def _edition_downgrade(d: Details) -> str:
    values = _editions(d)
    if values is None:
        return gettext("An edition will be downgraded at the next renewal.")
    if values["date"]:
        return gettext("%(product)s will move from %(before)s to %(after)s on %(date)s.") % values
    return gettext("%(product)s will move from %(before)s to %(after)s at the next renewal.") % values


def _cycle_change(d: Details) -> str:
    values = {
        "before": lower_label(Cycle, d.before.get("cycle")),
        "after": lower_label(Cycle, d.after.get("cycle")),
    }
    if not (values["before"] and values["after"]):
        return gettext("The billing cycle will change at the next renewal.")
    if d.day("from"):
        return gettext("Billing will change from %(before)s to %(after)s on %(date)s.") % {
            **values,
            "date": d.day("from"),
        }
    return gettext("Billing will change from %(before)s to %(after)s at the next renewal.") % values


def _payment_type(d: Details) -> str:
    values = {
        "before": label(Subscription.PaymentType, d.before.get("payment_type")),
        "after": label(Subscription.PaymentType, d.after.get("payment_type")),
    }
    if values["before"] and values["after"]:
        return gettext("Payment type changed from “%(before)s” to “%(after)s”.") % values
    return gettext("The payment type changed.")


def _temporary_seats(d: Details) -> str:
    values = {"product": d.product(), "date": d.day("temporary_seats_end")}
    if not (values["product"] and values["date"]):
        return gettext("Temporary agent seats were extended.")
    seats = d.after.get("seats")
    if seats:
        return ngettext(
            "%(counter)s temporary agent seat of %(product)s extended until %(date)s.",
            "%(counter)s temporary agent seats of %(product)s extended until %(date)s.",
            seats,
        ) % {**values, "counter": seats}
    return gettext("The temporary agent seats of %(product)s were extended until %(date)s.") % values


def _scheduled_change(d: Details) -> str:
    """A pending change in words, from what an undo or a reinstatement stored."""
    kind = d.before.get("kind")
    product = d.product()
    if kind == ScheduledChange.Kind.SET_SEATS and d.before.get("seats") is not None:
        return gettext("the change to %(seats)s") % {"seats": seats_text(d.before["seats"])}
    if kind == ScheduledChange.Kind.SET_EDITION and d.before.get("edition"):
        return gettext("the change to %(edition)s") % {"edition": label(Edition, d.before["edition"])}
    if kind == ScheduledChange.Kind.SET_CYCLE and d.before.get("cycle"):
        return gettext("the change to %(cycle)s billing") % {"cycle": lower_label(Cycle, d.before["cycle"])}
    if kind == ScheduledChange.Kind.REMOVE_ITEM and product:
        return gettext("the removal of %(product)s") % {"product": product}
    if kind == ScheduledChange.Kind.CANCEL_ACCOUNT:
        return gettext("the account’s cancellation")
    if kind == ScheduledChange.Kind.END_SUITE_PRICING:
        return gettext("the end of suite pricing")
    return gettext("the pending change")


def _change_undone(d: Details) -> str:
    return gettext("Undone before it took effect: %(change)s.") % {"change": _scheduled_change(d)}


def _change_revoked(d: Details) -> str:
    values = {"change": _scheduled_change(d), "date": d.day("effective_at", "before")}
    if d.after.get("by_owner"):  # R5.9: "Keep my subscription"
        return (
            gettext("The owner kept the subscription: %(change)s planned for %(date)s is withdrawn.") % values
        )
    if values["date"]:
        return gettext("Support withdrew %(change)s planned for %(date)s.") % values
    return gettext("Support withdrew %(change)s.") % values


def _change_applied(d: Details) -> str:
    product = d.product()
    if "seats" in d.after and product:
        return gettext("%(product)s now has %(seats)s.") % {
            "product": product,
            "seats": seats_text(d.after["seats"]),
        }
    if "edition" in d.after and product:
        return gettext("%(product)s is now on %(edition)s.") % {
            "product": product,
            "edition": label(Edition, d.after["edition"]),
        }
    if "cycle" in d.after:
        return gettext("Billing is now %(cycle)s.") % {"cycle": lower_label(Cycle, d.after["cycle"])}
    if "ended_at" in d.after:
        if product:
            return gettext("%(product)s was removed.") % {"product": product}
        return gettext("A product was removed.")
    if "pricing" in d.after:
        return gettext("Suite pricing ended: the products are now billed at their list price.")
    if d.after.get("status") == "cancelled":
        return gettext("The account was cancelled.")
    return gettext("A scheduled change took effect.")


SENTENCES = {
    Kind.SEATS_ADDED: _seats_added,
    Kind.SEATS_REDUCTION_SCHEDULED: _seats_reduction,
    Kind.PRODUCT_ADDED: _product_added,
    Kind.EDITION_UPGRADED: _edition_upgraded,
    Kind.EDITION_DOWNGRADE_SCHEDULED: _edition_downgrade,
    Kind.CYCLE_CHANGE_SCHEDULED: _cycle_change,
    Kind.PAYMENT_TYPE_CHANGED: _payment_type,
    Kind.TEMPORARY_SEATS_EXTENDED: _temporary_seats,
    Kind.SCHEDULED_CHANGE_UNDONE: _change_undone,
    Kind.SCHEDULED_CHANGE_REVOKED: _change_revoked,
    Kind.SCHEDULED_CHANGE_APPLIED: _change_applied,
}
