"""R7.1–R7.4 and R7.7: contract terms, staff cancellations under the notice rule, early termination with
refunds, the final statement, and no charge after a cancellation took effect."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Account, User
from billing import gateway, pricing
from billing.lifecycle.tick import billing_tick
from billing.models import ContractTerms, FinalStatement, Invoice, PaymentAttempt, ScheduledChange
from billing.money import format_money
from billing.services.contracts import early_termination, staff_cancellation_schedule, termination_preview
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from tests.helpers import NOW, new_events, text

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)  # a 365-day term


# --- The pure rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days_before", "in_time"), [(31, True), (30, True), (29, False)])
def test_r7_2_notice_31_30_29_days_before_the_term_end(days_before, in_time):
    received = (END - timedelta(days=days_before)).date()
    assert pricing.notice_in_time(notice_received=received, term_end=END, notice_days=30) is in_time


@pytest.mark.parametrize(
    ("at", "fee", "refund"),
    [
        (START + timedelta(days=1), 0, 365_000),  # day 1: everything back
        (START + timedelta(days=29, hours=23), 50_000, 365_000),  # day 30 (still within 30 days): everything
        (START + timedelta(days=31), 0, 334_000),  # day 31: the unused 334 of 365 days
        (START + timedelta(days=31), 50_000, 284_000),  # … minus the fee
        (datetime(2026, 7, 2, 12, tzinfo=UTC), 0, 182_500),  # mid-term: half
        (datetime(2026, 7, 2, 12, tzinfo=UTC), 50_000, 132_500),
        (END - timedelta(days=1), 50_000, 0),  # the fee exceeds the unused part: nothing, never negative
    ],
)
def test_r7_3_refunds_in_exact_cents(at, fee, refund):
    assert (
        pricing.termination_refund(
            paid=365_000, term_start=START, term_end=END, at=at, service_started_at=START, fee=fee
        )
        == refund
    )


def test_r7_3_no_refund_policy_refunds_nothing():
    assert (
        pricing.termination_refund(
            paid=365_000, term_start=START, term_end=END, at=START, service_started_at=START, refunds=False
        )
        == 0
    )


@given(
    st.integers(0, 10**9),
    st.integers(0, 365 * 24 * 3600),
    st.integers(0, 10**9),
    st.integers(-400, 400),
)
def test_r7_3_a_refund_never_exceeds_what_was_paid(paid, seconds_in, fee, service_offset_days):
    at = START + timedelta(seconds=seconds_in)
    refund = pricing.termination_refund(
        paid=paid,
        term_start=START,
        term_end=END,
        at=at,
        fee=fee,
        service_started_at=START + timedelta(days=service_offset_days),
    )
    assert 0 <= refund <= paid


# --- Staff cancellations with notice (R7.2) --------------------------------------------------------------

pytestmark = pytest.mark.django_db


def managed():
    return Account.objects.get(name="Managed Enterprise Inc")


def root():
    return User.objects.get(email="root@staff.test")


def noon(day: date) -> datetime:
    """A notice is recorded no earlier than the day it arrived (R7.2)."""
    return datetime.combine(day, time(12), tzinfo=UTC)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(("days_before", "renews"), [(31, False), (30, False), (29, True)])
def test_r7_2_staff_cancel_a_sales_assisted_account_under_the_notice_rule(days_before, renews):
    account = managed()
    term_end = account.subscription.current_period_end
    received = (term_end - timedelta(days=days_before)).date()
    cancellation = staff_cancellation_schedule(
        account=account, by=root(), reason="switching", notice_received=received, now=noon(received)
    )
    expected = pricing.period_end(term_end, "annual") if renews else term_end
    assert cancellation.effective_at == expected
    assert ScheduledChange.objects.get(account=account, kind="cancel_account").effective_at == expected


@pytest.mark.usefixtures("demo")
def test_r7_2_the_admin_shows_the_date_and_why_before_confirming(sign_in):
    account = managed()
    term_end = account.subscription.current_period_end
    received = (term_end - timedelta(days=29)).date()
    url = reverse("admin:accounts_account_changelist")
    data = {
        "action": "cancel_with_notice",
        "_selected_action": [account.pk],
        "reason": "too_expensive",
        "notice_received": received.isoformat(),
    }
    with time_machine.travel(noon(received), tick=False):  # recorded the day it arrived
        staff = sign_in("support@staff.test")
        preview = staff.post(url, {**data, "preview": "1"})
        page = text(preview)
        assert "29 days before the end of the term" in page and "Too late for this term" in page
        assert not ScheduledChange.objects.filter(account=account).exists()  # nothing before confirmation
        staff.post(url, {**data, "apply": "1"})
    assert ScheduledChange.objects.get(account=account).effective_at == pricing.period_end(term_end, "annual")


@pytest.mark.usefixtures("demo")
def test_r5_5_self_service_accounts_are_not_cancelled_by_staff_with_notice():
    with pytest.raises(Exception, match="cancelling there is the"):
        staff_cancellation_schedule(
            account=Account.objects.get(name="Acme Self-Service"),
            by=root(),
            reason="other",
            notice_received=date(2026, 11, 1),
            now=NOW,
        )


# --- Early termination and the final statement (R7.3, R7.4) ---------------------------------------------


@pytest.mark.usefixtures("demo")
def test_r7_3_r7_4_early_termination_refunds_by_credit_note_and_gateway_and_issues_the_final_statement(
    django_capture_on_commit_callbacks,
):
    account = Account.objects.get(name="Acme Self-Service")
    with time_machine.travel(datetime(2026, 12, 11, tzinfo=UTC), tick=False):
        billing_tick()  # a renewal paid by card: the current term is prepaid
    paid = Invoice.objects.get(account=account, period_start=datetime(2026, 12, 11, tzinfo=UTC))
    ContractTerms.objects.filter(account=account).update(early_termination_fee=10_000)
    at = datetime(2026, 12, 26, 12, tzinfo=UTC)  # 15.5 of 31 days used
    quote, signed = termination_preview(Account.objects.get(pk=account.pk), now=at)
    # R6.5: confirmed two minutes after the preview, the credit note refunds what the preview showed.
    with django_capture_on_commit_callbacks(execute=True):
        statement = early_termination(
            account=Account.objects.get(pk=account.pk),
            by=root(),
            signed=signed,
            now=at + timedelta(minutes=2),
        )
    unused = pricing.prorate(110_070, now=at, period_start=paid.period_start, period_end=paid.period_end)
    credit = Invoice.objects.get(account=account, kind="credit_note")
    assert (credit.credits, credit.total) == (paid, unused - 10_000) == (paid, quote.refund)
    assert credit.number.startswith("CN-") and credit.period_start == at
    refund = PaymentAttempt.objects.get(operation="refund")
    assert (refund.amount, refund.idempotency_key, refund.succeeded) == (
        credit.total,
        f"refund-{credit.number}",  # R8.8: the credit note's number, not a row id
        True,
    )
    account.refresh_from_db()
    assert account.status == "cancelled" and statement.credit_notes.get() == credit
    assert set(statement.ended) == {
        "Support Professional",
        "Chat Professional",
        "Guide Professional",
        "Talk Team",
    }
    (email,) = [m for m in mail.outbox if m.subject == f"Final statement for {account.name}"]
    assert "Nothing more will be charged." in email.body and credit.number in email.body
    assert set(email.to) == {"owner@acme.test", "accounting@acme.test"}


@pytest.mark.usefixtures("demo")
def test_r7_3_r8_9_a_taxed_terms_refund_is_credited_at_the_vat_it_was_paid_with(
    django_capture_on_commit_callbacks,
):
    """The refund is computed before VAT and credited at the paid invoice's rate, so the credit note's total
    is the preview's refund and the card gets exactly that back — never VAT on top of VAT."""
    account = Account.objects.get(name="Acme Self-Service")
    Account.objects.filter(pk=account.pk).update(billing_country="IE")  # domestic: Irish VAT, 23 %
    with time_machine.travel(datetime(2026, 12, 11, tzinfo=UTC), tick=False):
        billing_tick()
    paid = Invoice.objects.get(account=account, period_start=datetime(2026, 12, 11, tzinfo=UTC))
    assert (paid.tax_rate_bp, paid.total) == (2300, 110_070 + 25_316)  # 25,316.1 rounded
    ContractTerms.objects.filter(account=account).update(early_termination_fee=10_000)
    Account.objects.filter(pk=account.pk).update(billing_country="US")  # moved since: the credit keeps 23 %
    at = datetime(2026, 12, 26, 12, tzinfo=UTC)
    quote, signed = termination_preview(Account.objects.get(pk=account.pk), now=at)
    with django_capture_on_commit_callbacks(execute=True):
        early_termination(account=Account.objects.get(pk=account.pk), by=root(), signed=signed, now=at)
    credit = Invoice.objects.get(account=account, kind="credit_note")
    net = (
        pricing.prorate(110_070, now=at, period_start=paid.period_start, period_end=paid.period_end) - 10_000
    )
    assert (credit.subtotal, credit.tax_rate_bp, credit.tax_category) == (net, 2300, "S")
    assert credit.total == quote.refund == net + pricing.percentage_of(net, 2300)
    assert PaymentAttempt.objects.get(operation="refund").amount == credit.total


def terminate_in_the_admin(staff, account, **data):
    url = reverse("admin:accounts_account_changelist")
    return staff.post(
        url, {"action": "terminate_early", "_selected_action": [account.pk], **data}, follow=True
    )


@pytest.mark.usefixtures("demo")
def test_r6_5_r7_3_the_credit_note_refunds_what_the_staff_preview_showed(sign_in):
    """Issue 17: the preview said $345,260.34 and the credit note a minute later $345,260.11. The preview
    now fixes its moment: confirmed minutes later, the credit note equals it to the cent."""
    account, staff = managed(), sign_in("root@staff.test")
    with time_machine.travel(NOW, tick=False):
        preview = terminate_in_the_admin(staff, account)
    page = text(preview)
    refund = re.search(r"Refunded now: (\S+), for", page).group(1)
    assert "Next invoice: " in page and " → none." in page  # R6.5: what the next invoice becomes
    assert Account.objects.get(pk=account.pk).status == "active"  # nothing before confirmation
    signed = re.search(r'name="termination" value="([^"]+)"', preview.content.decode()).group(1)
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        terminate_in_the_admin(staff, account, apply="1", termination=signed)
    credit = Invoice.objects.get(account=account, kind="credit_note")
    assert format_money(credit.total, credit.currency) == refund and credit.period_start == NOW


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("tampering", ["missing", "forged", "other account", "fee changed"])
def test_r7_3_a_termination_without_its_own_unchanged_preview_changes_nothing(sign_in, tampering):
    account, staff = managed(), sign_in("root@staff.test")
    signed = termination_preview(account, now=NOW)[1]
    if tampering == "missing":
        signed = ""
    elif tampering == "forged":
        signed = signed[:-3] + "abc"
    elif tampering == "other account":
        signed = termination_preview(Account.objects.get(name="Acme Self-Service"), now=NOW)[1]
    else:
        ContractTerms.objects.filter(account=account).update(early_termination_fee=1)
    page = text(terminate_in_the_admin(staff, account, apply="1", termination=signed))
    assert "Preview the termination again." in page
    assert Account.objects.get(pk=account.pk).status == "active"
    assert not Invoice.objects.filter(account=account, kind="credit_note").exists()


@pytest.mark.usefixtures("demo")
def test_r7_4_a_scheduled_cancellation_ends_with_a_final_statement():
    account = managed()
    staff_cancellation_schedule(
        account=account, by=root(), reason="closing", notice_received=date(2026, 1, 1), now=NOW
    )
    end = account.subscription.current_period_end
    billing_tick(real_now=end)
    statement = FinalStatement.objects.get(account=account)
    assert statement.effective_at == end and "Support Enterprise" in statement.ended
    assert new_events().filter(account=account, kind="final_statement_issued").count() == 1


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("path", ["invoice", "charge intent"])
def test_r7_4_no_charge_can_be_created_after_the_effective_date(path):
    account = Account.objects.get(name="Acme Self-Service")
    early_termination(account=account, by=root(), signed=termination_preview(account, now=NOW)[1], now=NOW)
    account.refresh_from_db()
    attempts = {
        "invoice": lambda: invoice_finalize(
            invoice=invoice_draft(account=account, lines=[LineSpec("x", 100)], now=NOW), now=NOW
        ),
        "charge intent": lambda: gateway.intend(
            PaymentAttempt.Operation.CHARGE,
            account=account,
            token="sandbox_ok_x",
            amount=100,
            currency="USD",
            key="after-cancel-intent",
            now=NOW,
        ),
    }
    with pytest.raises(gateway.NoChargeAfterCancellation), transaction.atomic():
        attempts[path]()
    # The demo's charges are its paid periods', all made before; none after the cancellation.
    charges = PaymentAttempt.objects.filter(account=account, operation="charge")
    assert charges.exists() and not charges.filter(created_at__gte=NOW).exists()


@pytest.mark.usefixtures("demo")
def test_r7_4_the_clock_renews_nothing_after_a_cancellation():
    account = Account.objects.get(name="Acme Self-Service")
    early_termination(account=account, by=root(), signed=termination_preview(account, now=NOW)[1], now=NOW)
    report = billing_tick(real_now=NOW + timedelta(days=400), account_ids=[account.pk])
    assert report.failed == [] and not Invoice.objects.filter(account=account, issued_at__gt=NOW).exists()


@pytest.mark.usefixtures("demo")
def test_r7_1_the_subscription_page_shows_the_term_and_the_notice_deadline(sign_in):
    page = text(sign_in("owner@managed.test").get("/admin/account/billing/subscription/"))
    end = managed().subscription.current_period_end
    deadline = end - timedelta(days=30)
    assert "Renews automatically at the end of each term" in page
    assert (
        f"30 days: to stop the renewal, give notice by {deadline:%b} {deadline.day}, {deadline.year}" in page
    )


# --- Contracts without auto-renewal (R7.1) ----------------------------------------------------------------


def without_auto_renewal(account: Account) -> Account:
    ContractTerms.objects.filter(account=account).update(auto_renew=False)
    return account


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("bulk", [True, False])
def test_r7_1_a_contract_without_auto_renewal_ends_with_its_term(bulk):
    account = without_auto_renewal(Account.objects.get(name="Acme Self-Service"))
    end = account.subscription.current_period_end
    report = billing_tick(real_now=end + timedelta(hours=1), bulk=bulk)
    account.refresh_from_db()
    assert report.failed == [] and account.status == Account.Status.CANCELLED and account.cancelled_at == end
    assert not Invoice.objects.filter(account=account, issued_at__gte=end).exists()
    assert not PaymentAttempt.objects.filter(account=account, created_at__gte=end).exists()
    statement = FinalStatement.objects.get(account=account)
    assert statement.effective_at == end and "Support Professional" in statement.ended
    assert [e.kind for e in new_events().filter(account=account).order_by("id")] == [
        "contract_ended",
        "final_statement_issued",
    ]


@pytest.mark.usefixtures("demo")
def test_r7_2_late_notice_on_a_contract_without_auto_renewal_still_ends_with_the_term():
    account = without_auto_renewal(managed())
    term_end = account.subscription.current_period_end
    cancellation = staff_cancellation_schedule(
        account=account,
        by=root(),
        reason="closing",
        notice_received=(term_end - timedelta(days=5)).date(),
        now=term_end - timedelta(days=5),
    )
    assert cancellation.effective_at == term_end


@pytest.mark.usefixtures("demo")
def test_r7_1_the_subscription_page_says_when_a_contract_without_auto_renewal_ends(sign_in):
    account = without_auto_renewal(managed())
    end = account.subscription.current_period_end
    page = text(sign_in("owner@managed.test").get("/admin/account/billing/subscription/"))
    assert f"Ends on {end:%b} {end.day}, {end.year} without renewal" in page
    assert "Next renewal" not in page and "to stop the renewal" not in page
