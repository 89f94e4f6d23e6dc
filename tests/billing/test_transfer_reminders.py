"""R8.9, R9.1: the billing clock reminds the owner and billing contacts of an invoice paid by transfer 7 days
before its due date and 1 day after it, while it is open, each reminder once, in the account's language."""

from datetime import timedelta

import pytest
from django.core import mail

from accounts.models import Account, User
from billing.lifecycle.tick import advance_account, billing_tick, due_account_ids
from billing.models import BillingContact, EmailLog, Invoice, Product, Subscription
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from billing.services.transfers import transfer_record
from tests.factories import AccountFactory, MembershipFactory, SubscriptionFactory
from tests.helpers import NOW

pytestmark = pytest.mark.usefixtures("demo")
ISSUED = NOW
DUE = ISSUED + timedelta(days=30)
BEFORE, AFTER = DUE - timedelta(days=7), DUE + timedelta(days=1)


@pytest.fixture
def invoice() -> Invoice:
    """An open invoice paid by transfer, due in 30 days, of an account with an owner and a billing contact
    (its next renewal a year away)."""
    account = AccountFactory(currency="GBP", name="Transfer Co")
    MembershipFactory(account=account, owner=True, user__email="owner@transfer.test")
    BillingContact.objects.create(account=account, email="ap@transfer.test", created_at=NOW)
    SubscriptionFactory(
        account=account,
        payment_type=Subscription.PaymentType.INVOICE,
        cycle="annual",
        current_period_start=ISSUED,
        current_period_end=ISSUED + timedelta(days=365),
    )
    draft = invoice_draft(account=account, lines=[LineSpec("Support", 250_000)], now=ISSUED)
    return invoice_finalize(invoice=draft, now=ISSUED, notify=False)


def reminders(invoice: Invoice) -> list[str]:
    return sorted(
        EmailLog.objects.filter(key__startswith="reminder-", account=invoice.account).values_list(
            "key", flat=True
        )
    )


def run_clock(invoice: Invoice, at) -> list[str]:
    return advance_account(invoice.account_id, real_now=at) or []


def test_r8_9_the_clock_wakes_up_for_the_first_reminder(invoice):
    assert Account.objects.get(pk=invoice.account_id).next_action_at == BEFORE
    assert invoice.account_id not in due_account_ids(BEFORE - timedelta(seconds=1))
    assert invoice.account_id in due_account_ids(BEFORE)


def test_r8_9_a_reminder_7_days_before_and_1_day_after_the_due_date_each_once(invoice):
    n = invoice.number
    assert run_clock(invoice, BEFORE - timedelta(minutes=1)) == [] and reminders(invoice) == []
    assert run_clock(invoice, BEFORE) == [f"reminder before due date: {n}"]
    assert reminders(invoice) == [f"reminder-before-{n}"]
    assert Account.objects.get(pk=invoice.account_id).next_action_at == AFTER  # planned next
    assert run_clock(invoice, BEFORE + timedelta(days=1)) == []  # once
    assert run_clock(invoice, DUE) == [] and run_clock(invoice, AFTER - timedelta(minutes=1)) == []
    assert run_clock(invoice, AFTER) == [f"reminder after due date: {n}"]
    assert run_clock(invoice, AFTER + timedelta(days=20)) == []  # once
    assert reminders(invoice) == [f"reminder-after-{n}", f"reminder-before-{n}"]
    before, after = (EmailLog.objects.get(key=f"reminder-{w}-{n}") for w in ("before", "after"))
    assert before.recipients == after.recipients == "owner@transfer.test, ap@transfer.test"
    assert before.subject == f"Invoice {n} is due on {DUE:%B} {DUE.day}, {DUE:%Y}"
    assert after.subject == f"Invoice {n} is overdue"
    for email in (before, after):
        body = email.body.replace("\u202f", " ").replace("\xa0", " ")
        assert "£2,500.00" in body and f"IBAN: {invoice.seller_iban}" in body
        assert f"Payment reference: {n}" in body and f"BIC: {invoice.seller_bic}" in body


def test_r8_9_a_paid_invoice_gets_no_reminder(invoice):
    transfer_record(
        invoice=invoice,
        amount=invoice.total,
        currency="GBP",
        received_on=ISSUED.date(),
        reference="PAID-EARLY",
        by=User.objects.get(email="root@staff.test"),
        now=ISSUED + timedelta(days=2),
    )
    assert run_clock(invoice, BEFORE) == [] and run_clock(invoice, AFTER + timedelta(days=3)) == []
    assert reminders(invoice) == []


def test_r8_9_a_clock_that_comes_after_the_due_date_skips_the_reminder_before_it(invoice):
    """Announcing a due date already past would mislead: only the overdue reminder goes."""
    assert run_clock(invoice, AFTER + timedelta(days=2)) == [f"reminder after due date: {invoice.number}"]
    assert reminders(invoice) == [f"reminder-after-{invoice.number}"]


def test_r8_9_r10_1_reminders_are_written_in_the_accounts_language(invoice):
    Account.objects.filter(pk=invoice.account_id).update(language="fr")
    run_clock(invoice, BEFORE)
    run_clock(invoice, AFTER)
    before = EmailLog.objects.get(key=f"reminder-before-{invoice.number}")
    after = EmailLog.objects.get(key=f"reminder-after-{invoice.number}")
    assert (
        before.subject == f"La facture {invoice.number} est à régler au plus tard le {DUE.day} décembre 2026"
    )
    assert after.subject == f"La facture {invoice.number} est en retard de paiement"
    body = before.body.replace("\u202f", " ").replace("\xa0", " ")
    assert "Référence du paiement : " in body and "2 500,00 £GB" in body


def test_r9_1_the_tick_sends_the_reminders_by_email_once(invoice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        billing_tick(real_now=BEFORE)
        billing_tick(real_now=BEFORE + timedelta(hours=1))
    sent = [m for m in mail.outbox if invoice.number in m.subject]
    assert [m.subject for m in sent] == [f"Invoice {invoice.number} is due on {DUE:%B} {DUE.day}, {DUE:%Y}"]
    assert set(sent[0].to) == {"owner@transfer.test", "ap@transfer.test"}


def test_r9_1_a_renewal_paid_by_transfer_plans_its_reminders(invoice):
    """The renewal's invoice is due 30 days after it: the clock comes back 7 days before that."""
    subscription = Subscription.objects.get(account=invoice.account_id)
    start = subscription.current_period_end
    transfer_record(
        invoice=invoice,
        amount=invoice.total,
        currency="GBP",
        received_on=ISSUED.date(),
        reference="R1",
        by=User.objects.get(email="root@staff.test"),
        now=ISSUED,
    )
    subscription.items.create(product=Product.objects.get(code="support"), edition="team", seats=1)
    billing_tick(real_now=start)
    renewal = Invoice.objects.get(account=invoice.account_id, period_start=start)
    assert renewal.payment_type == "invoice" and renewal.due_at == start + timedelta(days=30)
    assert Account.objects.get(pk=invoice.account_id).next_action_at == start + timedelta(days=23)
