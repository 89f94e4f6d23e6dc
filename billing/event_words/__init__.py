"""The billing history in words, for owners (R9.4): one sentence per event kind, in the active language, with
money and dates formatted for it. Only what the event stored is read — no query — and never its `summary`
(English, for staff), JSON, internal codes, gateway references or card tokens: staff read those in the Django
admin. An event recorded before a detail was stored, or whose details were erased with the account's data
(R8.6), gets the sentence without that detail."""

from django.utils.translation import gettext, gettext_lazy, pgettext

from billing.event_words import changes, money, people
from billing.event_words.details import Details
from billing.event_words.money import payment_failure, payment_operation
from billing.models import BillingEvent

__all__ = ["SENTENCES", "event_actor", "event_sentence", "payment_failure", "payment_operation"]

Kind = BillingEvent.Kind
SYSTEM_ACTOR = "system"  # billing.services.audit.SYSTEM_ACTOR (services sit above this module)
ANONYMIZED_ACTOR = "deleted member"  # what BillingEventQuerySet.anonymize leaves

# The kinds whose sentence needs no detail.
FIXED = {
    Kind.STAFF_EDIT: gettext_lazy("Support staff corrected the account’s billing details."),
    Kind.TRIAL_CONVERTED: gettext_lazy("The trial ended and the paid subscription started."),
    Kind.TRIAL_EXPIRED: gettext_lazy("The trial ended without a card on file: the account is closed."),
    Kind.ACCOUNT_SUSPENDED: gettext_lazy("The account was cancelled for non-payment."),
    Kind.ACCOUNT_REACTIVATED: gettext_lazy("The overdue invoice was paid: the account is active again."),
    Kind.DATA_DELETED: gettext_lazy("The account’s data was deleted."),
    Kind.CONTRACT_ENDED: gettext_lazy("The contract ended without renewal: the account is closed."),
    Kind.DATA_EXPORT_REQUESTED: gettext_lazy("A full export of the account’s data was requested."),
    Kind.DATA_EXPORT_FAILED: gettext_lazy("The data export could not be prepared: you can ask again."),
    Kind.DATA_EXPORT_CANCELLED: gettext_lazy("Support cancelled the data export."),
    Kind.INVOICE_COPY_REQUESTED: gettext_lazy("Support was asked for a missing invoice or a copy."),
    Kind.REACTIVATION_REQUESTED: gettext_lazy("The owner asked support for a temporary reactivation."),
    Kind.SUPPORT_REQUEST_ANSWERED: gettext_lazy("Support answered a request."),
    Kind.BILLING_ADDRESS_CHANGED: gettext_lazy(
        "The billing address changed: the next invoices use the new one."
    ),
}
SENTENCES = {
    **{kind: (lambda d, message=message: str(message)) for kind, message in FIXED.items()},
    **changes.SENTENCES,
    **money.SENTENCES,
    **people.SENTENCES,
}


def event_sentence(event: BillingEvent, currency: str) -> str:
    """The event in one sentence for the account's people, in the active language; `currency` is the
    account's, for amounts of events that stored none. An event of a kind this version does not know (a newer
    version wrote it) has no sentence: the page shows its stored kind."""
    sentence = SENTENCES.get(event.kind)
    return sentence(Details(event, currency)) if sentence else ""


def event_actor(event: BillingEvent) -> str:
    """Who acted, for people: the member's email, "Support" for staff, "Billing" for the billing clock. Reads
    `event.actor`: load it with the event (select_related)."""
    if event.actor_label == SYSTEM_ACTOR:
        return pgettext("who acted", "Billing")
    if event.actor_label == ANONYMIZED_ACTOR:
        return gettext("A former member")
    if event.actor_id is not None and event.actor.is_staff:
        return pgettext("who acted", "Support")
    return event.actor_label
