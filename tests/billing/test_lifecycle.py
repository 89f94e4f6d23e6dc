"""R8.5–R8.7, R9.1, R9.2: the billing clock — renewals, trials, the dunning timeline, suspension, recovery,
temporary reactivation, data deletion, reruns and catch-up."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from accounts.models import Account, Membership, User
from billing import gateway
from billing.lifecycle.tick import billing_tick, due_account_ids
from billing.models import (
    Coupon,
    DataDeletion,
    Discount,
    DunningCase,
    EmailLog,
    Invoice,
    PaymentAttempt,
    PaymentMethod,
    SubscriptionPeriod,
    TestClock,
)
from billing.services.support import temporary_reactivation_grant
from devtools.demo import PASSWORD
from tests.helpers import change, item, new_events, rolled_back_like_the_test, text

pytestmark = pytest.mark.usefixtures("demo")
D = datetime(2026, 12, 11, tzinfo=UTC)  # the end of Acme's demo period: its renewal date
ACME = "Acme Self-Service"


def acme() -> Account:
    return Account.objects.get(name=ACME)


def tick(at, capture=None):
    with time_machine.travel(at, tick=False):
        if capture is None:
            return billing_tick()
        with capture(execute=True):
            return billing_tick()


def decline_acme_card():
    PaymentMethod.objects.filter(account__name=ACME).update(gateway_token="sandbox_card_declined_test")


def renewal_invoices():
    return Invoice.objects.filter(account__name=ACME, period__isnull=False).order_by("period_start")


def signed_in(client, email):
    return client.post("/login/", {"username": email, "password": PASSWORD})


# --- Renewals ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk renewals", "one by one"])
def test_r9_1_a_renewal_with_nothing_to_charge_is_paid_at_once(bulk):
    """Found when the two renewal paths became one: a batch left a zero-total renewal open (a renewal on its
    own was paid), as if the customer still owed it."""
    Discount.objects.filter(subscription__account__name=ACME).delete()  # the demo's 10 % promotion
    free = Coupon.objects.create(code="free", name="Free for a year", percent_off_bp=10_000)
    Discount.objects.create(subscription=acme().subscription, coupon=free, starts_at=D - timedelta(days=1))
    billing_tick(real_now=D + timedelta(hours=1), bulk=bulk)
    (invoice,) = renewal_invoices()
    assert (invoice.total, invoice.status, invoice.paid_at) == (0, "paid", D)
    assert not PaymentAttempt.objects.filter(invoice=invoice).exists()  # nothing was sent to the card


def test_r9_1_renewal_opens_the_next_period_invoices_and_charges_it_once(django_capture_on_commit_callbacks):
    tick(D - timedelta(seconds=1))
    assert not SubscriptionPeriod.objects.filter(subscription__account__name=ACME).exists()
    tick(D, django_capture_on_commit_callbacks)
    (invoice,) = renewal_invoices()
    assert (invoice.period_start, invoice.period_end, invoice.total, invoice.status) == (
        D,
        datetime(2027, 1, 11, tzinfo=UTC),
        110_070,
        "paid",
    )
    assert acme().subscription.current_period_start == D
    assert [m.subject for m in mail.outbox if ACME in m.body or invoice.number in m.subject] == [
        f"Invoice {invoice.number}",
        f"Receipt for invoice {invoice.number}",  # R8.9: the card payment's receipt
    ]
    tick(D)
    tick(D + timedelta(days=2))
    assert renewal_invoices().count() == 1
    assert PaymentAttempt.objects.filter(invoice=invoice, operation="charge").count() == 1


def test_r9_1_renewal_applies_the_changes_scheduled_for_the_next_period(sign_in):
    with time_machine.travel(datetime(2026, 11, 21, 12, tzinfo=UTC), tick=False):
        change(sign_in("owner@acme.test"), kind="remove_seats", item=item(ACME, "support").pk, seats=8)
    tick(D)
    # Support 4 × $69 + Chat $250 + Guide $100 + Talk $45 = $671, −10 % = $603.90: the preview's figure.
    assert renewal_invoices().get().total == 60_390


def test_r9_1_the_clock_catches_up_after_days_without_running():
    tick(D + timedelta(days=65))
    assert [i.period_start for i in renewal_invoices()] == [
        D,
        datetime(2027, 1, 11, tzinfo=UTC),
        datetime(2027, 2, 11, tzinfo=UTC),
    ]
    assert acme().next_action_at == datetime(2027, 3, 11, tzinfo=UTC)


def test_r9_1_a_tick_reads_only_the_due_accounts(django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        due = due_account_ids(datetime(2026, 11, 22, tzinfo=UTC))
    assert due == [Account.objects.get(name="Online Assisted Ltd").pk]  # a transfer reminder (R8.9)
    assert acme().pk in due_account_ids(D)


# --- Trials ---------------------------------------------------------------------------------------------


def test_trial_without_a_card_expires_and_nobody_can_sign_in(client):
    trial = Account.objects.get(name="Trial Startup")
    end = datetime.combine(trial.trial_ends_on, datetime.min.time(), tzinfo=UTC)
    tick(end)
    trial.refresh_from_db()
    assert trial.status == "expired" and not Invoice.objects.filter(account=trial).exists()
    assert "The trial of this account has ended" in text(signed_in(client, "owner@trial.test"))


def test_trial_with_a_card_converts_and_its_first_period_is_charged():
    trial = Account.objects.get(name="Trial Startup")
    PaymentMethod.objects.create(
        account=trial, brand="Visa", last4="4242", exp_month=1, exp_year=2030, gateway_token="sandbox_ok_x"
    )
    end = datetime.combine(trial.trial_ends_on, datetime.min.time(), tzinfo=UTC)
    tick(end)
    trial.refresh_from_db()
    invoice = Invoice.objects.get(account=trial)
    assert trial.trial_ends_on is None and trial.status == "active"
    assert (invoice.period_start, invoice.status, invoice.total) == (end, "paid", 5 * 14_900)


# --- The dunning timeline, day by day (R8.5) --------------------------------------------------------------


def banner_for(client, email) -> bool:
    client.logout()
    signed_in(client, email)
    return 'data-testid="dunning-banner"' in client.get("/admin/").content.decode()


def test_r8_5_r8_6_the_whole_dunning_timeline(client, django_capture_on_commit_callbacks):
    decline_acme_card()
    timeline = [
        (0, ["d0"], 1, {"owner": False, "admin": False, "agent": False}),
        (1, ["d0"], 1, {"owner": False}),
        (2, ["d0", "d2"], 2, {"owner": False, "agent": False}),
        (4, ["d0", "d2", "d4"], 3, {"owner": True, "billing": True, "admin": True, "agent": False}),
        (20, ["d0", "d2", "d4"], 3, {"agent": False}),
        (21, ["d0", "d2", "d4", "d21"], 4, {"owner": True, "agent": True}),
    ]
    for day, steps, charges, banners in timeline:
        with time_machine.travel(D + timedelta(days=day, hours=1), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                billing_tick()
            case = DunningCase.objects.get(account__name=ACME)
            assert list(case.steps.values_list("step", flat=True)) == steps, day
            assert (
                PaymentAttempt.objects.filter(invoice=case.invoice, operation="charge").count() == charges
            ), day
            for who, sees in banners.items():
                assert banner_for(client, f"{who}@acme.test") is sees, (day, who)
    # Reminders 1, 2, 3 and the suspension warning; the renewal invoice's own email is the fifth.
    assert EmailLog.objects.filter(account__name=ACME, invoice=None).count() == 4
    assert [m.subject for m in mail.outbox].count("Your payment failed") == 3
    assert [m.subject for m in mail.outbox].count("Your account will be cancelled for non-payment") == 1
    with time_machine.travel(D + timedelta(days=29, hours=1), tick=False):
        billing_tick()
        assert acme().status == "suspended"
        client.logout()
        assert "cancelled for non-payment" in text(signed_in(client, "owner@acme.test"))
        assert "_auth_user_id" not in client.session
    pk = acme().pk
    with time_machine.travel(D + timedelta(days=29 + 90, hours=1), tick=False):
        billing_tick()
    account = Account.objects.get(pk=pk)
    assert account.status == "deleted" and account.name.startswith("Deleted account")
    assert not Membership.objects.filter(account=account).exists() and not User.objects.filter(
        email="owner@acme.test"
    )
    tombstone = DataDeletion.objects.get(account=account)
    assert tombstone.deleted["members"] == 4 and "owner@acme.test" not in str(tombstone.deleted)
    assert Invoice.objects.filter(account=account).count() >= 4  # financial records stay
    assert not new_events().filter(account=account, actor_label__contains="@").exists()
    with pytest.raises(Exception, match="can no longer be reactivated"):
        temporary_reactivation_grant(account=account, by=User.objects.get(email="root@staff.test"), now=D)


@pytest.mark.parametrize("recover_on_day", [0, 3, 10, 25])
def test_r8_7_updating_the_card_recovers_at_any_step(
    sign_in, recover_on_day, django_capture_on_commit_callbacks
):
    decline_acme_card()
    tick(D + timedelta(days=recover_on_day, hours=1))
    case = DunningCase.objects.get(account__name=ACME)
    moment = D + timedelta(days=recover_on_day, hours=2)
    with time_machine.travel(moment, tick=False):
        owner = sign_in("owner@acme.test") if recover_on_day < 29 else None
        response = owner.post(
            "/admin/account/billing/payment/card/",
            {
                "number": "4242424242424242",
                "exp_month": 12,
                "exp_year": 2030,
                "cvc": "123",
                "attempt_key": "9a1f3c1e-0000-4000-8000-000000000001",
            },
        )
        assert response.status_code == 302
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            billing_tick()  # the next batch retries
    case.refresh_from_db()
    assert case.status == "recovered" and case.invoice.status == "paid"
    assert acme().status == "active"
    (email,) = [m for m in mail.outbox if m.subject == "Payment received: your account is active"]
    assert set(email.to) == {"owner@acme.test", "accounting@acme.test"}  # every billing contact
    assert 'data-testid="dunning-banner"' not in sign_in("owner@acme.test").get("/admin/").content.decode()


def test_r8_5_temporary_reactivation_lets_only_the_owner_update_the_card(
    client, django_capture_on_commit_callbacks
):
    decline_acme_card()
    tick(D + timedelta(days=29, hours=1))
    assert acme().status == "suspended"
    moment = D + timedelta(days=30)
    with time_machine.travel(moment, tick=False):
        temporary_reactivation_grant(
            account=acme(), by=User.objects.get(email="support@staff.test"), now=moment
        )
        assert "cancelled for non-payment" in text(signed_in(client, "admin@acme.test"))  # not the admin
        response = client.post("/login/", {"username": "owner@acme.test", "password": PASSWORD}, follow=True)
        assert response.redirect_chain[-1][0] == "/admin/account/billing/payment/"
        assert "Temporary reactivation" in text(response)
        assert client.get("/admin/account/billing/invoices/")["Location"] == "/admin/account/billing/payment/"
        client.post(
            "/admin/account/billing/payment/card/",
            {
                "number": "4242424242424242",
                "exp_month": 12,
                "exp_year": 2030,
                "cvc": "123",
                "attempt_key": "9a1f3c1e-0000-4000-8000-000000000002",
            },
        )
        with django_capture_on_commit_callbacks(execute=True):
            billing_tick()
    assert acme().status == "active"
    assert client.get("/admin/account/billing/invoices/").status_code == 200  # full access again


def test_r8_5_a_temporary_reactivation_ends_by_itself(client):
    decline_acme_card()
    tick(D + timedelta(days=29, hours=1))
    moment = D + timedelta(days=30)
    temporary_reactivation_grant(account=acme(), by=User.objects.get(email="root@staff.test"), now=moment)
    with time_machine.travel(moment + timedelta(days=8), tick=False):
        billing_tick()
        assert "cancelled for non-payment" in text(signed_in(client, "owner@acme.test"))


def test_r8_5_suspension_never_cuts_a_period_already_paid(sign_in, django_capture_on_commit_callbacks):
    """A charge that fails mid-period (a prorated change) is chased, but the paid period runs to its end:
    Legacy Suite's annual period, paid, ends in August 2027 — long after D+29."""
    PaymentMethod.objects.filter(account__name="Legacy Suite SARL").update(
        gateway_token="sandbox_card_declined_x"
    )
    moment = datetime(2026, 11, 21, 12, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        change(
            sign_in("owner@legacy-suite.test"),
            at=moment,
            kind="add_seats",
            item=item("Legacy Suite SARL", "support").pk,
            seats=1,
        )
    case = DunningCase.objects.get(account__name="Legacy Suite SARL")
    period_end = Account.objects.get(name="Legacy Suite SARL").subscription.current_period_end
    assert case.started_at == moment and list(case.steps.values_list("step", flat=True)) == ["d0"]
    assert case.suspend_at == period_end > moment + timedelta(days=29)


# --- Reruns and crashes ----------------------------------------------------------------------------------


class Killed(BaseException):
    """Not an Exception: like a killed process, nothing in the tick catches it."""


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk renewals", "one by one"])
def test_r9_1_r8_8_a_tick_killed_after_the_provider_answered_charges_and_emails_nothing_twice(
    monkeypatch, django_capture_on_commit_callbacks, bulk, settings
):
    """In-process, the tick dies between the provider's answer and our record of it (the subprocess tests
    in test_crash_safety.py kill real processes at every point)."""
    original = gateway.send

    def answered_then_die(*args, **kwargs):
        original(*args, **kwargs)
        raise Killed  # the card was charged; our record of it is never written

    monkeypatch.setattr(gateway, "send", answered_then_die)
    with (
        pytest.raises(Killed),
        time_machine.travel(D, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        billing_tick(bulk=bulk)
    (invoice,) = renewal_invoices()  # the intent was committed with the invoice…
    assert invoice.status == "open" and PaymentAttempt.objects.get(invoice=invoice).status == "pending"
    monkeypatch.setattr(gateway, "send", original)
    emails_before = len(mail.outbox)
    report = tick(D, django_capture_on_commit_callbacks)  # … and is sent again first, under its key
    assert report.failed == [] and report.mismatches == 0
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    charge = PaymentAttempt.objects.get(invoice=invoice, operation="charge")
    subscription = invoice.account.subscription
    assert charge.idempotency_key == f"renewal-{subscription.pk}-20261211T000000Z-1"
    assert [m["key"] for m in gateway.provider.movements() if m["reference"] == invoice.number] == [
        charge.idempotency_key
    ]
    # The invoice email was sent before: only the receipt of the payment, now recorded, is new (R8.9).
    assert [m.subject for m in mail.outbox[emails_before:] if invoice.number in m.subject] == [
        f"Receipt for invoice {invoice.number}"
    ]


def test_r9_1_bulk_renewals_give_exactly_what_one_by_one_renewals_give(settings, tmp_path):
    def snapshot():
        invoices = Invoice.objects.filter(period__start__gte=D).order_by("account__name")
        return (
            [
                (
                    i.account.name,
                    i.number,
                    i.total,
                    i.status,
                    i.paid_at,
                    i.due_at,
                    i.buyer_name,
                    [(line.description, line.amount) for line in i.lines.all()],
                )
                for i in invoices
            ],
            sorted((e.account.name, e.kind, e.amount, e.occurred_at) for e in new_events()),
            sorted(
                (a.account.name, a.operation, a.amount, a.status)
                for a in PaymentAttempt.objects.filter(created_at__gte=D)
            ),
            sorted(Account.objects.values_list("name", "next_action_at", "status")),
        )

    class Undo(Exception):
        pass

    decline_acme_card()  # one refused renewal among the others
    try:
        with rolled_back_like_the_test():
            report = billing_tick(real_now=D + timedelta(hours=1), bulk=False)
            one_by_one = snapshot()
            raise Undo
    except Undo:
        pass
    settings.PAYMENT_SANDBOX_LEDGER = tmp_path / "another-ledger.sqlite3"  # the provider forgets it too
    bulk_report = billing_tick(real_now=D + timedelta(hours=1), bulk=True)
    assert snapshot() == one_by_one
    assert len(one_by_one[0]) == 4 and report.accounts == bulk_report.accounts


# --- Test clocks (R9.2) -----------------------------------------------------------------------------------


def test_r9_2_a_test_clock_advanced_from_the_admin_runs_only_its_accounts(sign_in):
    clock = TestClock.objects.create(name="Acme clock", frozen_now=D - timedelta(days=1))
    Account.objects.filter(name=ACME).update(test_clock=clock)
    staff = sign_in("support@staff.test")
    response = staff.post(
        "/staff/billing/testclock/", {"action": "advance_day", "_selected_action": [clock.pk]}, follow=True
    )
    assert "renewed" in text(response)
    assert renewal_invoices().count() == 1
    assert not Invoice.objects.filter(account__name="SPP Corp", period__isnull=False).exists()  # same date


def set_clock(staff, clock, day: str):
    return staff.post(
        f"/staff/billing/testclock/{clock.pk}/change/",
        {"name": clock.name, "frozen_now_0": day, "frozen_now_1": "00:00:00"},
        follow=True,
    )


@pytest.mark.django_db(transaction=True)
def test_r9_2_r8_8_a_test_clock_set_in_its_form_moves_after_the_form_commits(sign_in):
    """The admin's change form runs in a transaction: the clock (which charges cards) moves once it has
    committed, never inside it. Real commits here, as in production."""
    clock = TestClock.objects.create(name="Acme clock", frozen_now=D - timedelta(days=1))
    Account.objects.filter(name=ACME).update(test_clock=clock)
    staff = sign_in("support@staff.test")
    response = set_clock(staff, clock, "2026-12-12")
    assert "renewed" in text(response)
    assert [i.status for i in renewal_invoices()] == ["paid"]
    assert PaymentAttempt.objects.get(invoice=renewal_invoices().get()).succeeded
    going_back = set_clock(staff, clock, "2026-01-01")
    assert "only moves forward" in text(going_back)
    clock.refresh_from_db()
    assert clock.frozen_now.date().isoformat() == "2026-12-12"


def test_past_due_chat_is_on_its_test_clock_with_the_d4_banner(sign_in):
    account = Account.objects.get(name="Past Due Chat")
    case = DunningCase.objects.get(account=account)
    assert list(case.steps.values_list("step", flat=True)) == ["d0", "d2", "d4"]
    assert account.test_clock is not None and account.next_action_at == case.started_at + timedelta(days=21)
    assert 'data-testid="dunning-banner"' in sign_in("owner@pastdue.test").get("/admin/").content.decode()
    assert 'data-testid="dunning-banner"' in sign_in("admin@pastdue.test").get("/admin/").content.decode()
    assert 'data-testid="dunning-banner"' not in sign_in("agent@pastdue.test").get("/admin/").content.decode()
