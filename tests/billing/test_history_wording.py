"""R9.4: owners read each billing event as one sentence in their language, with formatted money and dates; no
internal codes, JSON or gateway references (staff keep those in the Django admin, R9.3)."""

import re

import pytest
from django.utils import translation

from billing.event_words import event_actor, event_sentence, payment_failure, payment_operation
from billing.models import BillingEvent, PaymentAttempt
from tests.helpers import NOW

Kind = BillingEvent.Kind
END = "2026-12-20T00:00:00+00:00"
# Each kind as its service records it (billing/services, billing/lifecycle): before, after, amount.
RECORDED = {
    Kind.CHANGE_REQUESTED: ({}, {"request": 7, "what": "Add 10 agent seats", "why": "Summer"}, None),
    Kind.CHANGE_REQUEST_APPROVED: (
        {"status": "pending"},
        {"status": "approved", "note": "Added.", "what": "Add 10 agent seats"},
        None,
    ),
    Kind.CHANGE_REQUEST_DECLINED: (
        {"status": "pending"},
        {"status": "declined", "note": "Not this month.", "what": "Add 10 agent seats"},
        None,
    ),
    Kind.PRODUCT_REMOVAL_SCHEDULED: (
        {"product": "talk", "edition": "professional", "seats": 3, "price": 15000},
        {"ends_at": END, "reason": "too_expensive"},
        15000,
    ),
    Kind.ACCOUNT_CANCELLATION_SCHEDULED: (
        {"status": "active"},
        {"status": "cancelled", "from": END, "reason": "too_expensive"},
        None,
    ),
    Kind.SUITE_PRICING_END_SCHEDULED: ({"total": 110070}, {"total": 125000, "from": END}, None),
    Kind.SCHEDULED_CHANGE_APPLIED: (
        {"seats": 12, "product_name": "Support"},
        {"seats": 10},
        None,
    ),
    Kind.SCHEDULED_CHANGE_REVOKED: (
        {"kind": "remove_item", "effective_at": END, "product_name": "Talk"},
        {"revoked_at": NOW.isoformat()},
        None,
    ),
    Kind.STAFF_EDIT: ({"seats": 3}, {"seats": 4}, None),
    Kind.SEATS_ADDED: ({"seats": 12}, {"seats": 15, "product_name": "Support"}, 18630),
    Kind.SEATS_REDUCTION_SCHEDULED: (
        {"seats": 12},
        {"seats": 10, "product_name": "Support", "from": END},
        None,
    ),
    Kind.PRODUCT_ADDED: (
        {},
        {"product": "talk", "edition": "team", "seats": 2, "product_name": "Talk"},
        1200,
    ),
    Kind.EDITION_UPGRADED: ({"edition": "growth"}, {"edition": "professional", "product_name": "Chat"}, 2300),
    Kind.EDITION_DOWNGRADE_SCHEDULED: (
        {"edition": "professional"},
        {"edition": "growth", "product_name": "Chat", "from": END},
        None,
    ),
    Kind.CYCLE_CHANGE_SCHEDULED: ({"cycle": "monthly"}, {"cycle": "annual", "from": END}, None),
    Kind.PAYMENT_TYPE_CHANGED: ({"payment_type": "card"}, {"payment_type": "invoice"}, None),
    Kind.TEMPORARY_SEATS_EXTENDED: (
        {"temporary_seats_end": "2026-12-20"},
        {"temporary_seats_end": "2027-01-14", "seats": 5, "product_name": "Support"},
        4000,
    ),
    Kind.BILLING_ADMIN_GRANTED: (
        {"member": "agent@acme.test", "role": "agent"},
        {"member": "agent@acme.test", "role": "billing_admin"},
        None,
    ),
    Kind.BILLING_ADMIN_REVOKED: (
        {"member": "billing@acme.test", "role": "billing_admin"},
        {"member": "billing@acme.test", "role": "admin"},
        None,
    ),
    Kind.OWNERSHIP_TRANSFERRED: (
        {"owner": "owner@acme.test", "successor_role": "billing_admin"},
        {"owner": "billing@acme.test", "former_owner_role": "admin"},
        None,
    ),
    Kind.SCHEDULED_CHANGE_UNDONE: (
        {"kind": "set_cycle", "cycle": "annual"},
        {"revoked_at": NOW.isoformat()},
        None,
    ),
    Kind.INVOICE_ISSUED: ({}, {"invoice": "INV-0001-00002", "total": 110070, "due_at": END}, 110070),
    Kind.INVOICE_PAID: ({"status": "open"}, {"status": "paid", "invoice": "INV-0001-00002"}, 110070),
    Kind.INVOICE_CLOSED: (
        {"status": "open"},
        {"status": "uncollectible", "invoice": "INV-0001-00002"},
        110070,
    ),
    Kind.PERIOD_RENEWED: ({}, {"start": "2026-11-20T00:00:00+00:00", "end": END, "invoice": 12}, 110070),
    Kind.TRIAL_CONVERTED: ({}, {}, None),
    Kind.TRIAL_EXPIRED: ({}, {}, None),
    Kind.DUNNING_STEP: ({}, {"step": "d21"}, 20000),
    Kind.ACCOUNT_SUSPENDED: ({"status": "active"}, {"status": "suspended"}, None),
    Kind.ACCOUNT_REACTIVATED: ({"status": "suspended"}, {"status": "active"}, None),
    Kind.TEMPORARY_REACTIVATION: ({}, {"until": "2026-11-28T12:00:00+00:00"}, None),
    Kind.DATA_DELETED: ({}, {"invoices": 4, "members": 3}, None),
    Kind.TEST_CLOCK_ADVANCED: ({"now": NOW.isoformat()}, {"now": END}, None),
    Kind.ACCOUNT_TERMINATED: (
        {"status": "active", "paid": 4828800},
        {"status": "cancelled", "refund": 3452601, "fee": 120000, "full": False},
        -3452601,
    ),
    Kind.CONTRACT_ENDED: ({"status": "active"}, {"status": "cancelled"}, None),
    Kind.REFUND_ISSUED: ({}, {"credit_note": "CN-0005-00001"}, -3452601),
    Kind.FINAL_STATEMENT_ISSUED: ({}, {"ended": ["Support Professional"], "balance_due": 20000}, None),
    Kind.DATA_EXPORT_REQUESTED: ({}, {"export": 3}, None),
    Kind.DATA_EXPORT_FAILED: (
        {"status": "building", "progress": 40},
        {"export": 3, "status": "failed"},
        None,
    ),
    Kind.DATA_EXPORT_CANCELLED: ({"status": "queued"}, {"export": 3, "status": "cancelled"}, None),
    Kind.PAYMENT_FAILED: (
        {},
        {"invoice": "INV-0009-00001", "failure": "insufficient_funds", "attempt": 2},
        20000,
    ),
    Kind.PAYMENT_METHOD_UPDATED: (
        {"card": "Visa 0002"},
        {"card": "Visa 4242", "verified_with": "sbx_91b0c2charge-1"},
        None,
    ),
    Kind.BILLING_ADDRESS_CHANGED: (
        {"billing_name": "Acme", "billing_country": "US"},
        {"billing_name": "Acme Inc.", "billing_country": "US"},
        None,
    ),
    Kind.BILLING_CONTACT_ADDED: ({}, {"email": "accounting@acme.test"}, None),
    Kind.BILLING_CONTACT_REMOVED: ({"email": "accounting@acme.test"}, {}, None),
    Kind.BILLING_CONTACT_REQUESTED: ({}, {"request": 4, "kind": "add"}, None),
    Kind.BILLING_CONTACT_REQUEST_DECIDED: ({}, {"request": 4, "status": "approved", "kind": "add"}, None),
    # R8.10
    Kind.INVOICE_COPY_REQUESTED: (
        {},
        {
            "request": 5,
            "period_from": "2026-01-01",
            "period_to": "2026-03-01",
            "invoice_number": "",
            "message": "",
        },
        None,
    ),
    Kind.REACTIVATION_REQUESTED: ({}, {"request": 6, "message": "Card expired"}, None),
    Kind.SUPPORT_REQUEST_ANSWERED: (
        {"status": "open"},
        {"request": 6, "kind": "reactivation", "status": "answered", "granted": True},
        None,
    ),
}
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # billing_admin, card_declined, too_expensive…


def event(kind, before=None, after=None, amount=None, summary="INTERNAL add_seats {'seats': 2} sbx_91b"):
    return BillingEvent(
        kind=kind,
        actor_label="system",
        summary=summary,
        before=before or {},
        after=after or {},
        amount=amount,
        currency="USD" if amount is not None else "",
        occurred_at=NOW,
    )


def assert_for_people(sentence: str) -> None:
    assert sentence and "%(" not in sentence, sentence
    for internal in ("{", "}", "INTERNAL", "sbx_", "None"):
        assert internal not in sentence, sentence
    assert not ISO_DAY.search(sentence) and not CODE.search(sentence), sentence


def test_r9_4_every_kind_of_event_has_a_recorded_example():
    assert set(RECORDED) == set(Kind)


@pytest.mark.parametrize("kind", list(Kind))
def test_r9_4_every_kind_reads_as_one_sentence_in_english_and_french(kind):
    before, after, amount = RECORDED[kind]
    sentences = {}
    for language in ("en", "fr"):
        with translation.override(language):
            sentences[language] = event_sentence(event(kind, before, after, amount), "USD")
        assert_for_people(sentences[language])
    assert sentences["en"] != sentences["fr"], sentences  # translated, not left in English


@pytest.mark.parametrize("kind", list(Kind))
def test_r9_4_an_event_without_its_details_still_reads_as_a_sentence(kind):
    """Older events, and events whose details were erased with the account's data (R8.6)."""
    for language in ("en", "fr"):
        with translation.override(language):
            assert_for_people(event_sentence(event(kind, amount=RECORDED[kind][2]), "EUR"))


def test_r9_4_money_and_dates_are_formatted_for_the_language():
    renewed = event(Kind.PERIOD_RENEWED, *RECORDED[Kind.PERIOD_RENEWED])
    with translation.override("en"):
        assert event_sentence(renewed, "USD") == (
            "The subscription renewed from November 20, 2026 to December 20, 2026, for $1,100.70."
        )
    with translation.override("fr"):
        sentence = event_sentence(renewed, "USD").replace("\u202f", " ").replace("\xa0", " ")
        assert (
            sentence
            == "L’abonnement a été renouvelé du 20 novembre 2026 au 20 décembre 2026, pour 1 100,70 $US."
        )


def test_r9_4_a_termination_uses_the_accounts_currency_and_labels_not_codes():
    terminated = event(Kind.ACCOUNT_TERMINATED, *RECORDED[Kind.ACCOUNT_TERMINATED])
    terminated.currency = ""
    with translation.override("en"):
        assert event_sentence(terminated, "EUR") == (
            "Support ended the contract early: €34,526.01 refunded, after a €1,200.00 fee."
        )
    granted = event(Kind.BILLING_ADMIN_GRANTED, *RECORDED[Kind.BILLING_ADMIN_GRANTED])
    with translation.override("fr"):
        assert "administrateur de la facturation" in event_sentence(granted, "EUR")


def test_r9_4_who_acted_member_support_or_the_billing_clock(owner, django_user_model):
    staff = django_user_model.objects.create_user("help@staff.test", "help@staff.test", is_staff=True)
    member = event(Kind.SEATS_ADDED)
    member.actor, member.actor_label = owner.user, owner.user.email
    by_staff = event(Kind.SEATS_ADDED)
    by_staff.actor, by_staff.actor_label = staff, staff.email
    gone = event(Kind.SEATS_ADDED)
    gone.actor_label = "deleted member"
    with translation.override("fr"):
        assert [event_actor(e) for e in (member, by_staff, event(Kind.SEATS_ADDED), gone)] == [
            owner.user.email,
            "Assistance",
            "Facturation",
            "Un ancien membre",
        ]


@pytest.mark.parametrize(
    ("code", "english"),
    [
        ("card_declined", "The bank declined the card."),
        ("insufficient_funds", "The card has insufficient funds."),
        ("expired_card", "The card has expired."),
        ("invalid_number", "The card number is not valid."),
        ("a_code_added_later", "The payment provider refused the payment."),
    ],
)
def test_r9_4_refusals_are_explained_not_coded(code, english):
    with translation.override("en"):
        assert payment_failure(code) == english
    with translation.override("fr"):
        assert payment_failure(code) != english and "_" not in payment_failure(code)


def test_r9_4_payment_operations_are_named_for_people():
    with translation.override("fr"):
        names = {op: payment_operation(PaymentAttempt(operation=op)) for op in PaymentAttempt.Operation}
    assert all(name and "_" not in name for name in names.values())
    assert names[PaymentAttempt.Operation.AUTHORIZE] != "Authorization"
