"""R8.9: what the Invoices page says of each invoice — Paid on … and how, Open with its due date, Overdue —
with the bank details of the open invoices paid by transfer; and support staff recording the transfers
that pay them, once (R8.8), with their amount typed in the invoice's currency."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, Membership, User
from billing.models import (
    BillingEvent,
    DunningCase,
    EmailLog,
    Invoice,
    PaymentAttempt,
    ReceivedTransfer,
    Subscription,
    TestClock,
)
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from billing.services.transfers import ALREADY_RECORDED, transfer_record
from tests.factories import AccountFactory, MembershipFactory, SubscriptionFactory
from tests.helpers import NOW, new_events, text

pytestmark = pytest.mark.usefixtures("demo")
INVOICES = "/admin/account/billing/invoices/"
ASSISTED = "Online Assisted Ltd"


def open_transfer_invoice(name: str = ASSISTED) -> Invoice:
    return Invoice.objects.get(account__name=name, status="open", kind="invoice")


def record_url(invoice: Invoice) -> str:
    return f"/staff/billing/invoice/{invoice.pk}/record-transfer/"


def rows(response) -> dict[str, str]:
    """Each invoice's row of the page as text, by number (its bank details row included)."""
    found = {}
    for invoice in response.context["invoices"]:
        html = response.content.decode()
        start = html.index(f'<tr data-invoice="{invoice.number}"')
        end = html.find("<tr data-invoice=", start + 1)
        found[invoice.number] = text_of(html[start : end if end > 0 else None])
    return found


def text_of(html: str) -> str:
    return text(SimpleNamespace(content=html.encode())).strip()


def account_paying_by_transfer(currency="GBP", language="en", **fields) -> Account:
    """An account of its own paying by transfer, with its owner and a billing contact."""
    account = AccountFactory(currency=currency, language=language, **fields)
    MembershipFactory(account=account, owner=True, user__email=f"owner-{account.pk}@example.test")
    SubscriptionFactory(
        account=account,
        payment_type=Subscription.PaymentType.INVOICE,
        current_period_start=NOW,
        current_period_end=NOW + timedelta(days=365),
        cycle="annual",
    )
    return account


def issued(account: Account, amount: int, at: datetime = NOW) -> Invoice:
    draft = invoice_draft(account=account, lines=[LineSpec("Support", amount)], now=at)
    return invoice_finalize(invoice=draft, now=at, notify=False)


# --- The Invoices page -------------------------------------------------------------------------------------


def test_r8_9_paid_invoices_say_when_and_how_by_card_or_by_bank_transfer(sign_in):
    card = rows(sign_in("owner@acme.test").get(INVOICES))
    assert set(card.values()) and all("by card •••• 4242" in row for row in card.values())
    first = Invoice.objects.filter(account__name="Acme Self-Service").order_by("sequence").first()
    assert (
        f"Paid on {first.paid_at:%b} {first.paid_at.day}, {first.paid_at:%Y} by card •••• 4242"
        in card[first.number]
    )
    transfer = rows(sign_in("owner@assisted.test").get(INVOICES))
    paid = Invoice.objects.filter(account__name=ASSISTED, status="paid").order_by("sequence").first()
    assert (
        f"Paid on {paid.paid_at:%b} {paid.paid_at.day}, {paid.paid_at:%Y} by bank transfer"
        in transfer[paid.number]
    )


def test_r8_9_an_open_invoice_turns_overdue_the_day_after_its_due_date(client_for):
    owner = Membership.objects.get(user__email="owner@assisted.test")
    invoice = open_transfer_invoice()
    due_day = invoice.due_at.astimezone(UTC).replace(hour=23, minute=59)
    with time_machine.travel(due_day, tick=False):
        row = rows(client_for(owner).get(INVOICES))[invoice.number]
    assert "Open" in row and "Overdue" not in row
    with time_machine.travel(due_day + timedelta(minutes=2), tick=False):
        row = rows(client_for(owner).get(INVOICES))[invoice.number]
    assert "Overdue" in row and "Open" not in row and "it was due on" in row


def test_r8_9_the_overdue_switch_follows_the_accounts_test_clock(client_for):
    """now_for(account): an account on a test clock reads its invoices at the clock's time."""
    owner = Membership.objects.select_related("account").get(user__email="owner@assisted.test")
    invoice = open_transfer_invoice()
    clock = TestClock.objects.create(name="Before due", frozen_now=invoice.due_at - timedelta(days=3))
    Account.objects.filter(pk=owner.account_id).update(test_clock=clock)
    assert "Open" in rows(client_for(owner).get(INVOICES))[invoice.number]  # real time: long overdue


def test_r8_9_the_list_has_a_due_date_column(sign_in):
    response = sign_in("owner@assisted.test").get(INVOICES)
    invoice = open_transfer_invoice()
    assert "Due date" in text(response)
    assert f"{invoice.due_at:%b} {invoice.due_at.day}, {invoice.due_at:%Y}" in rows(response)[invoice.number]


def test_r8_9_bank_details_and_reference_show_on_open_transfer_invoices_only_from_their_snapshot(
    sign_in, settings
):
    settings.INVOICE_SELLER_IBAN = "FR7630006000011234567890189"  # changed since: issued invoices keep theirs
    response = sign_in("owner@assisted.test").get(INVOICES)
    invoice = open_transfer_invoice()
    html = response.content.decode()
    assert html.count('data-testid="transfer-details"') == 1
    details = rows(response)[invoice.number]
    for expected in (
        f"IBAN {invoice.seller_iban}",
        f"BIC {invoice.seller_bic}",
        f"Bank {invoice.seller_bank_name}",
        f"Payment reference {invoice.number}",
        "£61,920.00",
    ):
        assert expected in details
    assert "FR7630006000011234567890189" not in html
    acme = sign_in("owner@acme.test").get(INVOICES).content.decode()
    assert 'data-testid="transfer-details"' not in acme  # paid by card


def test_r8_9_r10_1_the_statuses_in_french(sign_in):
    page = text(sign_in("owner@legacy-suite.test").get(INVOICES))
    assert "Payée le" in page and "par carte •••• 4444" in page and "Échéance" in page


def test_r8_9_the_invoices_page_costs_the_same_with_1_and_40_invoices_of_every_status(client_for):
    counts = []
    for rows_count in (1, 40):
        account = account_paying_by_transfer()
        owner = Membership.objects.get(account=account, role="owner")
        for n in range(rows_count):
            invoice = issued(account, 1000 + n)
            if n % 3 == 1:
                transfer_record(
                    invoice=invoice,
                    amount=invoice.total,
                    currency="GBP",
                    received_on=NOW.date(),
                    reference=f"R{n}",
                    by=User.objects.get(email="root@staff.test"),
                    now=NOW,
                )
        client = client_for(owner)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INVOICES).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 8, counts  # the budget of tests/billing/test_query_budget.py


# --- Staff record a received transfer ----------------------------------------------------------------------


def test_r8_9_support_staff_record_a_transfer_and_the_invoice_is_paid_at_the_day_received(sign_in):
    invoice = open_transfer_invoice()
    staff = sign_in("support@staff.test")
    assert (
        'data-testid="record-transfer"'
        in staff.get(f"/staff/billing/invoice/{invoice.pk}/change/").content.decode()
    )
    received = (invoice.due_at + timedelta(days=20)).date()
    response = staff.post(
        record_url(invoice), {"amount": "61,920.00", "received_on": received, "reference": "BARC 7731"}
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "paid" and invoice.paid_at == datetime.combine(
        received, datetime.min.time(), UTC
    )
    transfer = ReceivedTransfer.objects.get(invoice=invoice)
    assert (transfer.amount, transfer.currency, transfer.reference) == (6_192_000, "GBP", "BARC 7731")
    assert transfer.recorded_by.email == "support@staff.test"
    event = new_events().get(kind=BillingEvent.Kind.INVOICE_PAID)
    assert event.actor_label == "support@staff.test" and event.after["method"] == "transfer"
    assert "BARC 7731" in event.summary  # for staff; owners read "paid by bank transfer" (R9.4)
    owner_page = sign_in("owner@assisted.test").get(INVOICES)
    assert 'data-testid="transfer-details"' not in owner_page.content.decode()
    assert "by bank transfer" in rows(owner_page)[invoice.number]
    history = text(sign_in("owner@assisted.test").get("/admin/account/billing/history/"))
    assert f"Invoice {invoice.number} was paid by bank transfer: £61,920.00." in history
    assert "BARC" not in history


@pytest.mark.parametrize(
    ("currency", "language", "typed", "total"),
    [
        ("GBP", "en", "61920.00", 6_192_000),
        ("EUR", "fr", "1 234,56", 123_456),  # a French member of staff types it the French way
        ("EUR", "en", "1,234.56", 123_456),
        ("JPY", "en", "12,345", 12_345),  # no decimals: the minor unit is the yen
    ],
)
def test_r8_9_the_amount_is_typed_in_the_invoices_currency(sign_in, currency, language, typed, total):
    account = account_paying_by_transfer(currency=currency)
    invoice = issued(account, total)
    staff = sign_in("support@staff.test")
    staff.cookies["django_language"] = language
    response = staff.post(
        record_url(invoice), {"amount": typed, "received_on": NOW.date(), "reference": "REF-1"}
    )
    assert response.status_code == 302, text(response)[-600:]
    assert ReceivedTransfer.objects.get(invoice=invoice).amount == total
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "-61920.00", "Enter an amount greater than zero."),
        ("amount", "0", "Enter an amount greater than zero."),
        ("amount", "61920.001", "GBP amounts have at most 2 decimals."),
        ("amount", "61,919.99", "The amount due is £61,920.00: a transfer of £61,919.99 cannot be recorded"),
        ("amount", "6192000", "The amount due is £61,920.00"),  # minor units typed by mistake
        ("amount", "sixty", "Enter an amount such as 1,234.56"),
        ("received_on", "2026-12-01", "cannot have been received after today (November 30, 2026)"),
        ("received_on", "2020-01-01", "cannot have been received before the invoice was issued"),
        ("reference", "", "This field is required."),
    ],
)
def test_r8_9_refused_input_is_a_422_that_says_why_and_changes_nothing(sign_in, field, value, message):
    invoice = open_transfer_invoice()
    form = {"amount": "61,920.00", "received_on": "2026-11-20", "reference": "BARC 7731", field: value}
    response = sign_in("support@staff.test").post(record_url(invoice), form)
    assert response.status_code == 422
    assert message in text(response).replace("’", "'")
    assert Invoice.objects.get(pk=invoice.pk).status == "open"
    assert not ReceivedTransfer.objects.exists() and not new_events().exists()


def test_r8_9_recording_a_transfer_needs_the_permission(sign_in, client_for):
    invoice = open_transfer_invoice()
    user = User.objects.create_user("newcomer@staff.test", "x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    form = {"amount": "61,920.00", "received_on": "2026-11-20", "reference": "BARC 7731"}
    client = client_for(user)
    assert client.get(record_url(invoice)).status_code == 403
    assert client.post(record_url(invoice), form).status_code == 403
    change = client.get(f"/staff/billing/invoice/{invoice.pk}/change/").content.decode()
    assert 'data-testid="record-transfer"' not in change
    owner = sign_in("owner@acme.test")  # a customer: another account's invoice, and no staff console
    assert owner.post(record_url(invoice), form).status_code == 302  # to the staff sign-in
    assert Invoice.objects.get(pk=invoice.pk).status == "open" and not ReceivedTransfer.objects.exists()
    with pytest.raises(Exception, match="permission to record a received transfer"):
        transfer_record(
            invoice=invoice,
            amount=invoice.total,
            currency="GBP",
            received_on=date(2026, 11, 20),
            reference="X",
            by=user,
            now=NOW,
        )


def test_r8_9_another_accounts_invoice_is_not_on_the_page_and_a_draft_has_no_form(sign_in):
    page = sign_in("owner@acme.test").get(INVOICES).content.decode()
    assert open_transfer_invoice().number not in page and "transfer-details" not in page
    draft = invoice_draft(account=Account.objects.get(name=ASSISTED), lines=[LineSpec("x", 1)], now=NOW)
    staff = sign_in("support@staff.test")
    assert staff.get(record_url(draft)).status_code == 404
    assert staff.get("/staff/billing/invoice/999999999/record-transfer/").status_code == 404


def test_r8_8_a_transfer_submitted_twice_pays_once_and_the_second_is_told(sign_in):
    invoice = open_transfer_invoice()
    staff = sign_in("support@staff.test")
    form = {"amount": "61,920.00", "received_on": "2026-11-20", "reference": "BARC 7731"}
    assert staff.post(record_url(invoice), form).status_code == 302
    again = staff.post(record_url(invoice), form)  # the double click, the replayed POST
    assert again.status_code == 422
    assert "The transfer BARC 7731 is already recorded for invoice" in text(again)
    other = staff.post(record_url(invoice), {**form, "reference": "BARC 9999"})
    assert other.status_code == 422 and "is paid: there is nothing to pay" in text(other)
    assert ReceivedTransfer.objects.filter(invoice=invoice).count() == 1
    assert new_events().filter(kind="invoice_paid").count() == 1
    assert EmailLog.objects.filter(key=f"receipt-{invoice.number}").count() == 1  # a receipt, once


def test_r8_8_the_unique_transfer_is_the_last_guard_a_clear_message_not_a_500(monkeypatch):
    """Should two recordings get past the lock (a database that cannot lock rows), the unique (invoice,
    reference) refuses the second: its IntegrityError is told as ALREADY_RECORDED."""
    from billing.services import transfers

    invoice = open_transfer_invoice()
    root = User.objects.get(email="root@staff.test")
    ReceivedTransfer.objects.create(
        invoice=invoice, amount=1, currency="GBP", received_on=NOW.date(), reference="R", recorded_at=NOW
    )
    monkeypatch.setattr(
        transfers.ReceivedTransfer.objects, "filter", lambda **kw: ReceivedTransfer.objects.none()
    )
    with pytest.raises(ValidationError) as refused:
        transfer_record(
            invoice=invoice,
            amount=invoice.total,
            currency="GBP",
            received_on=NOW.date(),
            reference="R",
            by=root,
            now=NOW,
        )
    assert refused.value.messages == [str(ALREADY_RECORDED % {"reference": "R", "number": invoice.number})]
    assert Invoice.objects.get(pk=invoice.pk).status == "open"


def test_r8_7_a_transfer_that_pays_the_invoice_being_chased_recovers_the_account(sign_in):
    """Past Due Chat's renewal was declined (dunning, D+4); the customer wires the money instead."""
    case = DunningCase.objects.select_related("invoice", "account").get(account__name="Past Due Chat")
    invoice = case.invoice
    root = User.objects.get(email="root@staff.test")
    now = case.account.test_clock.frozen_now
    transfer_record(
        invoice=invoice,
        amount=invoice.total,
        currency=invoice.currency,
        received_on=now.date(),
        reference="WIRE-1",
        by=root,
        now=now,
    )
    case.refresh_from_db()
    account = Account.objects.get(pk=case.account_id)
    assert case.status == "recovered" and case.closed_at == now
    assert account.status == "active" and account.next_action_at <= now  # the clock plans its renewal
    assert EmailLog.objects.filter(key=f"recovered-{case.pk}").exists()
    assert new_events().filter(account=account, kind="account_reactivated").count() == 1


def test_r8_9_a_card_payment_in_flight_refuses_the_transfer():
    invoice = open_transfer_invoice()
    PaymentAttempt.objects.create(
        account=invoice.account,
        invoice=invoice,
        operation="charge",
        amount=invoice.total,
        currency="GBP",
        idempotency_key="in-flight",
        created_at=NOW,
    )
    with pytest.raises(ValidationError, match="waiting for the provider"):
        transfer_record(
            invoice=invoice,
            amount=invoice.total,
            currency="GBP",
            received_on=NOW.date(),
            reference="R",
            by=User.objects.get(email="root@staff.test"),
            now=NOW,
        )
