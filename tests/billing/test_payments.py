"""R8.4 (the card, the sandbox gateway), R8.3 (billing contacts), R9.3 (billing history), and the Manage
page's charges invoiced and collected through the same services as renewals."""

import io
import logging
import re
import uuid

import pytest
from django.core import mail
from django.core.management import call_command

from billing import gateway
from billing.models import (
    BillingContact,
    BillingContactRequest,
    BillingEvent,
    Invoice,
    PaymentAttempt,
    PaymentMethod,
)
from tests.helpers import NOW, change, demo_member, item, new_events, text

pytestmark = pytest.mark.usefixtures("demo")
PAYMENT = "/admin/account/billing/payment/"
CONTACTS = "/admin/account/billing/contacts/"
HISTORY = "/admin/account/billing/history/"


def submit_card(client, number, month=12, year=2030, key=None):
    data = {
        "number": number,
        "exp_month": month,
        "exp_year": year,
        "cvc": "123",
        "attempt_key": key or uuid.uuid4(),
    }
    return client.post(PAYMENT + "card/", data)


# --- R8.4 the card ----------------------------------------------------------------------------------


def test_r8_4_the_owner_updates_the_card_with_a_voided_one_unit_authorization(sign_in):
    client = sign_in("owner@acme.test")
    page = text(client.get(PAYMENT))
    assert "temporary authorization of $1.00" in page and "never charged" in page
    response = submit_card(client, "5555 5555 5555 4444", 7, 2031)
    assert response.status_code == 302
    card = PaymentMethod.objects.get(account__name="Acme Self-Service")
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("Mastercard", "4444", 7, 2031)
    attempts = list(
        PaymentAttempt.objects.filter(account=card.account, operation__in=["authorize", "void"]).order_by(
            "id"
        )
    )
    assert [(a.operation, a.amount, a.currency, a.succeeded) for a in attempts] == [
        ("authorize", 100, "USD", True),
        ("void", 100, "USD", True),
    ]
    assert new_events().get().kind == "payment_method_updated"
    assert "The $1.00 check was cancelled right away" in text(client.get(PAYMENT))


def test_r8_4_the_check_is_one_unit_of_the_accounts_currency(sign_in):
    submit_card(sign_in("owner@legacy-suite.test"), "4242424242424242")
    assert (
        PaymentAttempt.objects.get(operation="authorize", account__name="Legacy Suite SARL").currency == "EUR"
    )


@pytest.mark.parametrize(
    ("number", "month", "year", "says", "attempts"),
    [
        ("4000 0000 0000 0002", 12, 2030, "The card was declined", 1),
        ("4000 0000 0000 9995", 12, 2030, "insufficient funds", 1),
        ("4242 4242 4242 4242", 1, 2020, "This card has expired", 0),
        ("4242 4242 4242 4241", 12, 2030, "This card number is not valid", 0),
        ("not a card", 12, 2030, "This card number is not valid", 0),
    ],
)
def test_r8_4_every_sandbox_outcome_is_refused_with_a_reason_and_keeps_the_old_card(
    sign_in, number, month, year, says, attempts
):
    response = submit_card(sign_in("owner@acme.test"), number, month, year)
    assert response.status_code == 422 and says in text(response)
    assert PaymentMethod.objects.get(account__name="Acme Self-Service").last4 == "4242"
    failed = PaymentAttempt.objects.filter(account__name="Acme Self-Service", status="failed")
    assert failed.count() == attempts and not new_events().exists()


def test_r8_4_after_a_refusal_another_card_in_the_same_form_is_checked(sign_in):
    client, key = sign_in("owner@acme.test"), uuid.uuid4()
    assert submit_card(client, "4000000000009995", key=key).status_code == 422
    assert submit_card(client, "5555555555554444", key=key).status_code == 302
    assert PaymentMethod.objects.get(account__name="Acme Self-Service").last4 == "4444"


def test_r8_4_r8_8_the_provider_silent_keeps_the_old_card_and_says_so(sign_in, monkeypatch):
    def unreachable(requests):
        raise ConnectionError("the provider does not answer")

    monkeypatch.setattr(gateway.provider, "send", unreachable)
    response = submit_card(sign_in("owner@acme.test"), "5555555555554444")
    assert response.status_code == 422 and "payment provider did not answer" in text(response)
    assert PaymentMethod.objects.get(account__name="Acme Self-Service").last4 == "4242"
    assert PaymentAttempt.objects.get(operation="authorize").pending  # sent again, then voided, by the tick


def test_r8_4_a_double_submit_checks_the_card_once_and_records_one_update(sign_in):
    client, key = sign_in("owner@acme.test"), uuid.uuid4()
    first = submit_card(client, "4242424242424242", key=key)
    again = submit_card(client, "4242424242424242", key=key)
    assert (first.status_code, again.status_code) == (302, 302)  # the same answer
    assert (
        PaymentAttempt.objects.filter(operation="authorize", account__name="Acme Self-Service").count() == 1
    )
    assert new_events().filter(kind="payment_method_updated").count() == 1


def test_r8_4_the_card_number_is_never_sent_back_in_a_page(sign_in):
    response = submit_card(sign_in("owner@acme.test"), "4000000000000002")  # declined: the form again
    assert response.status_code == 422
    page = response.content.decode()
    assert 'name="number"' in page and "4000000000000002" not in page
    assert 'value="123"' not in page  # nor the security code


def test_r8_4_the_card_number_is_never_stored_or_logged(sign_in, caplog):
    caplog.set_level(logging.DEBUG)
    client = sign_in("owner@acme.test")
    submit_card(client, "4000000000000002")  # refused: the error path logs the request
    submit_card(client, "4242 4242 4242 4242")
    dump = io_dump()
    for secret in ("4242424242424242", "4242 4242 4242 4242", "4000000000000002"):
        assert secret not in dump and secret not in caplog.text


def io_dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("email", ["billing@acme.test", "admin@acme.test", "agent@acme.test"])
def test_r8_4_only_the_owner_updates_the_card(sign_in, email):
    client = sign_in(email)
    response = client.get(PAYMENT)
    assert response.status_code == 403
    if email != "agent@acme.test":
        assert "Only the account owner can update the card" in text(response)
    assert submit_card(client, "5555555555554444").status_code == 403
    assert PaymentMethod.objects.get(account__name="Acme Self-Service").last4 == "4242"


# --- The Manage page's charges: invoiced and collected at once -------------------------------------------


def test_a_prorated_change_is_invoiced_and_charged_to_the_card(sign_in, django_capture_on_commit_callbacks):
    client = sign_in("owner@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        change(client, kind="add_seats", item=item("Acme Self-Service", "support").pk, seats=3)
    invoice = Invoice.objects.filter(account__name="Acme Self-Service").order_by("-sequence").first()
    assert invoice.status == "paid" and invoice.total == 12_110
    assert invoice.lines.get().description.startswith("Add 3 agent seats to Support, prorated")
    charge = PaymentAttempt.objects.get(invoice=invoice, operation="charge")
    event = invoice.charges.get().event  # R8.8: the key is the quote's, the one the confirmation applied
    assert (charge.amount, charge.idempotency_key) == (12_110, f"change-{event.idempotency_key}")
    # The invoice, then (R8.9) the receipt of its card payment.
    assert [m.subject for m in mail.outbox[-2:]] == [
        f"Invoice {invoice.number}",
        f"Receipt for invoice {invoice.number}",
    ]


def test_a_declined_card_leaves_the_invoice_open_and_records_the_failure(
    sign_in, django_capture_on_commit_callbacks
):
    PaymentMethod.objects.filter(account__name="Acme Self-Service").update(
        gateway_token="sandbox_card_declined_x"
    )
    client = sign_in("owner@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        change(client, kind="add_seats", item=item("Acme Self-Service", "support").pk, seats=1)
    invoice = Invoice.objects.filter(account__name="Acme Self-Service").order_by("-sequence").first()
    assert invoice.status == "open"
    assert new_events().filter(kind="payment_failed").count() == 1


def test_invoice_payment_type_waits_for_the_transfer(sign_in, django_capture_on_commit_callbacks):
    client = sign_in("owner@assisted.test")
    with django_capture_on_commit_callbacks(execute=True):
        change(client, kind="add_seats", item=item("Online Assisted Ltd", "support").pk, seats=1)
    invoice = Invoice.objects.filter(account__name="Online Assisted Ltd").order_by("-sequence").first()
    assert invoice.status == "open" and not PaymentAttempt.objects.filter(account=invoice.account).exists()


# --- R8.3 billing contacts ------------------------------------------------------------------------------


def test_r8_3_the_owner_adds_and_removes_billing_contacts(sign_in):
    client = sign_in("owner@acme.test")
    assert "accounting@acme.test" in text(client.get(CONTACTS))
    assert client.post(CONTACTS + "add/", {"email": "ap@acme.test"}).status_code == 302
    duplicate = client.post(CONTACTS + "add/", {"email": "AP@acme.test"})
    assert duplicate.status_code == 422 and "already receives the invoices" in text(duplicate)
    contact = BillingContact.objects.get(email="ap@acme.test")
    assert client.post(CONTACTS + "remove/", {"contact": contact.pk}).status_code == 302
    contact.refresh_from_db()
    assert contact.removed_at is not None
    assert list(new_events().order_by("id").values_list("kind", flat=True)) == [
        "billing_contact_added",
        "billing_contact_removed",
    ]


def test_r8_3_a_member_asks_to_receive_invoices_and_the_owner_approves(sign_in):
    agent = sign_in("agent@acme.test")
    assert "Ask to receive the invoices" in text(agent.get("/admin/"))
    for _ in range(2):
        assert agent.post(CONTACTS + "request/").status_code == 302
    request = BillingContactRequest.objects.get()
    assert "Your request is waiting for the account owner." in text(agent.get("/admin/"))
    owner = sign_in("owner@acme.test")
    assert "agent@acme.test" in text(owner.get(CONTACTS))
    owner.post(CONTACTS + "decide/", {"request": request.pk, "approve": "1"})
    assert BillingContact.objects.filter(email="agent@acme.test", removed_at=None).exists()
    assert "Ask to stop receiving the invoices" in text(agent.get("/admin/"))
    agent.post(CONTACTS + "request/")
    removal = BillingContactRequest.objects.get(status="pending")
    assert removal.kind == "remove"
    owner.post(CONTACTS + "decide/", {"request": removal.pk})  # declined
    removal.refresh_from_db()
    assert removal.status == "declined"
    assert BillingContact.objects.filter(email="agent@acme.test", removed_at=None).exists()


@pytest.mark.parametrize("email", ["billing@acme.test", "admin@acme.test", "agent@acme.test"])
def test_r8_3_only_the_owner_manages_contacts(sign_in, email):
    client = sign_in(email)
    assert client.get(CONTACTS).status_code == 403
    assert client.post(CONTACTS + "add/", {"email": "x@example.test"}).status_code == 403
    contact = BillingContact.objects.get(email="accounting@acme.test")
    assert client.post(CONTACTS + "remove/", {"contact": contact.pk}).status_code == 403
    assert not BillingContact.objects.filter(email="x@example.test").exists()


def test_r8_3_another_accounts_contact_or_request_is_a_404(sign_in):
    contact = BillingContact.objects.get(email="accounting@acme.test")
    client = sign_in("owner@spp.test")
    assert client.post(CONTACTS + "remove/", {"contact": contact.pk}).status_code == 404
    sign_in("agent@acme.test").post(CONTACTS + "request/")
    request = BillingContactRequest.objects.get()
    assert client.post(CONTACTS + "decide/", {"request": request.pk, "approve": "1"}).status_code == 404


# --- R9.3 billing history ------------------------------------------------------------------------------


def test_r9_3_the_billing_history_lists_events_newest_first_and_filters_by_kind(sign_in):
    client = sign_in("billing@acme.test")
    change(client, kind="change_payment_type", payment_type="invoice")
    page = text(client.get(HISTORY))
    assert page.index("Payment type changed") < page.index("Invoice issued")
    filtered = client.get(HISTORY, {"kind": "invoice_paid"}).content.decode()
    assert set(re.findall(r'data-kind="(\w+)"', filtered)) == {"invoice_paid"}
    assert client.get(HISTORY, {"kind": "nonsense"}).status_code == 200


def test_r9_3_an_event_of_a_kind_this_version_does_not_know_shows_as_stored(sign_in):
    """Written by a newer version, read after a rollback: the page shows the stored kind, not an error."""
    acme = demo_member("owner@acme.test").account
    BillingEvent(
        account=acme, kind="kind_from_a_later_version", actor_label="system", summary="…", occurred_at=NOW
    ).save()
    assert "kind_from_a_later_version" in text(sign_in("owner@acme.test").get(HISTORY))


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("owner@managed.test", 200),
        ("billing@assisted.test", 200),
        ("admin@acme.test", 403),
        ("agent@acme.test", 403),
    ],
)
def test_r9_3_billing_history_is_for_owners_and_billing_admins(sign_in, email, status):
    assert sign_in(email).get(HISTORY).status_code == status
