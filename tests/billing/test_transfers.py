"""R8.9: what the Invoices page says of each invoice — Paid on … and how, Open with its due date, Overdue —
with the bank details of the open invoices paid by transfer."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from accounts.models import Account, Membership
from billing.models import (
    Invoice,
    Subscription,
    TestClock,
)
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from tests.factories import AccountFactory, MembershipFactory, SubscriptionFactory
from tests.helpers import NOW, text

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
