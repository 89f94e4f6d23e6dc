"""Members, billing contacts, requests to support and support's own actions in the billing history (R9.4)."""

from django.utils.translation import gettext

from accounts.models import Membership
from billing.event_words.details import Details, label, quoted
from billing.models import BillingContactRequest, BillingEvent

Kind = BillingEvent.Kind


def _role(d: Details, side: str) -> str:
    return label(Membership.Role, getattr(d, side).get("role")).lower()


def _billing_admin_granted(d: Details) -> str:
    values = {"member": d.after.get("member"), "role": _role(d, "before")}
    if values["member"] and values["role"]:
        return gettext("%(member)s is now a billing admin (previously %(role)s).") % values
    return gettext("A member was made billing admin.")


def _billing_admin_revoked(d: Details) -> str:
    values = {"member": d.after.get("member"), "role": _role(d, "after")}
    if values["member"] and values["role"]:
        return gettext("%(member)s is no longer a billing admin (now %(role)s).") % values
    return gettext("A member is no longer a billing admin.")


def _ownership(d: Details) -> str:
    values = {"former": d.before.get("owner"), "owner": d.after.get("owner")}
    if values["former"] and values["owner"]:
        return gettext("%(owner)s is now the account owner; %(former)s became an admin.") % values
    if values["owner"]:
        return gettext("%(owner)s is now the account owner.") % values
    return gettext("The account has a new owner.")


def _change_requested(d: Details) -> str:
    what = d.after.get("what")
    return (
        quoted(gettext("Asked support for a change:"), what)
        if what
        else gettext("Asked support for a change.")
    )


def _change_request_decided(d: Details) -> str:
    approved = d.kind == Kind.CHANGE_REQUEST_APPROVED
    what, note = d.after.get("what"), d.after.get("note")
    if what:
        sentence = quoted(
            gettext("Support approved the change request:")
            if approved
            else gettext("Support declined the change request:"),
            what,
        )
    else:
        sentence = (
            gettext("Support approved the change request.")
            if approved
            else gettext("Support declined the change request.")
        )
    if not note:
        return sentence
    label = gettext("Note from support:")  # outside the f-string: makemessages reads no f-string
    return f"{sentence} {quoted(label, note)}"


def _contact_request(d: Details) -> str:
    if d.after.get("kind") == BillingContactRequest.Kind.REMOVE:
        return gettext("Asked to stop receiving the invoices.")
    if d.after.get("kind") == BillingContactRequest.Kind.ADD:
        return gettext("Asked to receive the invoices.")
    return gettext("Asked about receiving the invoices.")


def _contact_request_decided(d: Details) -> str:
    approved = d.after.get("status") == BillingContactRequest.Status.APPROVED
    if d.after.get("kind") == BillingContactRequest.Kind.REMOVE:
        if approved:
            return gettext("The request to stop receiving the invoices was approved.")
        return gettext("The request to stop receiving the invoices was declined.")
    if approved:
        return gettext("The request to receive the invoices was approved.")
    return gettext("The request to receive the invoices was declined.")


def _contact(d: Details, with_email: str, plain: str) -> str:
    email = d.get("email")
    return with_email % {"email": email} if email else plain


def _reactivation(d: Details) -> str:
    date_ = d.day("until")
    if date_:
        return gettext("Support reopened the account until %(date)s, to update the card.") % {"date": date_}
    return gettext("Support reopened the account for a few days, to update the card.")


def _test_clock(d: Details) -> str:
    values = {"before": d.day("now", "before"), "after": d.day("now")}
    if values["before"] and values["after"]:
        return gettext("The test clock moved from %(before)s to %(after)s.") % values
    return gettext("The test clock moved forward.")


SENTENCES = {
    Kind.BILLING_ADMIN_GRANTED: _billing_admin_granted,
    Kind.BILLING_ADMIN_REVOKED: _billing_admin_revoked,
    Kind.OWNERSHIP_TRANSFERRED: _ownership,
    Kind.CHANGE_REQUESTED: _change_requested,
    Kind.CHANGE_REQUEST_APPROVED: _change_request_decided,
    Kind.CHANGE_REQUEST_DECLINED: _change_request_decided,
    Kind.BILLING_CONTACT_ADDED: lambda d: _contact(
        d, gettext("%(email)s now receives the invoices."), gettext("A billing contact was added.")
    ),
    Kind.BILLING_CONTACT_REMOVED: lambda d: _contact(
        d, gettext("%(email)s no longer receives the invoices."), gettext("A billing contact was removed.")
    ),
    Kind.BILLING_CONTACT_REQUESTED: _contact_request,
    Kind.BILLING_CONTACT_REQUEST_DECIDED: _contact_request_decided,
    Kind.TEMPORARY_REACTIVATION: _reactivation,
    Kind.TEST_CLOCK_ADVANCED: _test_clock,
}
