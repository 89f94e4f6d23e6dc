"""R9.1 (issue 19): the billing clock reminds the owner and billing contacts of an annual renewal 30 days
before it, with the upcoming invoice's amount, and of a card on file that expires, in the month before;
each once, in the account's language, found in a fixed number of queries however many are due."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from accounts.models import Account, User
from billing.lifecycle.notices import reminders_send_due
from billing.lifecycle.tick import advance_test_clock, billing_tick
from billing.models import (
    BillingContact,
    ContractTerms,
    EmailLog,
    PaymentMethod,
    ScheduledChange,
    Subscription,
    TestClock,
)
from billing.selectors.subscription import next_invoice_of
from tests.factories import (
    AccountFactory,
    MembershipFactory,
    ProductFactory,
    SubscriptionFactory,
    SubscriptionItemFactory,
)

RENEWAL = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
REMIND_FROM = RENEWAL - timedelta(days=30)
MINUTE = timedelta(minutes=1)
# A card valid until December 31, 2026: reminded from November 1.
CARD_MONTH = datetime(2026, 11, 1, tzinfo=UTC)


def customer(name: str = "Annual Co", *, cycle: str = "annual", language: str = "en", **card) -> Account:
    """An account with an owner, a billing contact, 3 seats of a product at €20 a seat a month renewing on
    RENEWAL, and a card expiring in December 2026 (or `card`)."""
    slug = name.split()[0].lower()
    account = AccountFactory(name=name, currency="EUR", language=language)
    MembershipFactory(account=account, owner=True, user__email=f"owner@{slug}.test")
    BillingContact.objects.create(account=account, email=f"ap@{slug}.test", created_at=REMIND_FROM)
    subscription = SubscriptionFactory(
        account=account,
        cycle=cycle,
        current_period_start=RENEWAL - timedelta(days=365),
        current_period_end=RENEWAL,
    )
    SubscriptionItemFactory(subscription=subscription, product=ProductFactory(prices=2000), seats=3)
    PaymentMethod.objects.create(
        account=account, **{"brand": "Visa", "last4": "4242", "exp_month": 12, "exp_year": 2026, **card}
    )
    return account


def remind(account: Account, at: datetime) -> int:
    return reminders_send_due(real_now=at, account_ids=[account.pk])


def keys(account: Account, prefix: str) -> list[str]:
    return list(
        EmailLog.objects.filter(account=account, key__startswith=prefix).values_list("key", flat=True)
    )


def body(email: EmailLog) -> str:
    return email.body.replace("\u202f", " ").replace("\xa0", " ")


# --- Renewals -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_r9_1_a_renewal_is_reminded_30_days_before_once():
    account = customer(exp_year=2030)
    assert remind(account, REMIND_FROM - MINUTE) == 0
    assert remind(account, REMIND_FROM) == 1
    assert remind(account, REMIND_FROM + timedelta(days=1)) == 0  # once
    assert remind(account, RENEWAL - MINUTE) == 0
    email = EmailLog.objects.get(account=account, key__startswith="renewal-reminder-")
    assert email.key == f"renewal-reminder-{account.subscription.pk}-20270115T090000Z"
    assert email.recipients == "owner@annual.test, ap@annual.test"
    assert email.subject == "Your subscription renews on January 15, 2027"
    # 3 seats × €20 × 12 months, no tax (a buyer outside the EU): the Subscription page's next invoice
    assert next_invoice_of(account, now=REMIND_FROM).total == 72000
    assert "renews on January 15, 2027 for another year" in body(email)
    assert "Its invoice will be €720.00, of which €0.00 is tax." in body(email)
    assert "/admin/account/billing/subscription/" in body(email)


@pytest.mark.django_db
def test_r9_1_the_amount_is_the_next_invoice_with_the_scheduled_changes():
    account = customer()
    item = account.subscription.items.get()
    ScheduledChange.objects.create(
        account=account,
        kind=ScheduledChange.Kind.SET_SEATS,
        item=item,
        payload={"seats": 2},
        effective_at=RENEWAL,
        created_at=REMIND_FROM - timedelta(days=3),
    )
    Account.objects.filter(pk=account.pk).update(billing_country="FR", is_business=False)  # 20 % VAT
    account.refresh_from_db()
    remind(account, REMIND_FROM)
    upcoming = next_invoice_of(account, now=REMIND_FROM)
    assert (upcoming.subtotal, upcoming.tax, upcoming.total) == (48000, 9600, 57600)
    email = EmailLog.objects.get(account=account, key__startswith="renewal-reminder-")
    assert "Its invoice will be €576.00, of which €96.00 is tax." in body(email)


@pytest.mark.django_db
def test_r9_1_a_clock_that_comes_at_or_after_the_renewal_sends_no_reminder():
    account = customer()
    assert remind(account, RENEWAL) == 0
    # The clock stopped for a month: the tick renews, and the next renewal is a year away.
    billing_tick(real_now=RENEWAL + timedelta(days=2), account_ids=[account.pk])
    assert Subscription.objects.get(account=account).current_period_end > RENEWAL + timedelta(days=300)
    assert keys(account, "renewal-reminder-") == []


@pytest.mark.django_db
def test_r9_1_no_renewal_reminder_for_a_monthly_term_a_cancelling_or_cancelled_account():
    monthly = customer("Monthly Co", cycle="monthly")
    cancelling = customer("Cancelling Co")
    ScheduledChange.objects.create(
        account=cancelling,
        kind=ScheduledChange.Kind.CANCEL_ACCOUNT,
        effective_at=RENEWAL,
        created_at=REMIND_FROM - timedelta(days=3),
    )
    cancelled = customer("Cancelled Co")
    Account.objects.filter(pk=cancelled.pk).update(status=Account.Status.CANCELLED)
    ending = customer("Ending Co")
    ContractTerms.objects.create(
        account=ending, service_started_at=RENEWAL - timedelta(days=365), auto_renew=False
    )
    for account in (monthly, cancelling, cancelled, ending):
        remind(account, REMIND_FROM + timedelta(days=1))
        assert keys(account, "renewal-reminder-") == []


@pytest.mark.django_db
def test_r9_1_r9_2_an_account_on_a_test_clock_is_reminded_at_its_clocks_time():
    account = customer(exp_year=2030)
    clock = TestClock.objects.create(name="Demo", frozen_now=REMIND_FROM - timedelta(days=1))
    Account.objects.filter(pk=account.pk).update(test_clock=clock)
    assert remind(account, REMIND_FROM + timedelta(days=2)) == 0  # the real time does not count
    TestClock.objects.filter(pk=clock.pk).update(frozen_now=REMIND_FROM + timedelta(days=2))
    assert remind(account, datetime(2020, 1, 1, tzinfo=UTC)) == 1


@pytest.mark.django_db
def test_r9_2_advancing_a_test_clock_into_the_window_sends_the_reminder_once():
    account = customer(exp_year=2030)
    clock = TestClock.objects.create(name="Demo", frozen_now=REMIND_FROM - timedelta(days=1))
    Account.objects.filter(pk=account.pk).update(test_clock=clock)
    staff = User.objects.create_superuser("root@clock.test", "Demo-2026!")
    advance_test_clock(clock=clock, to=REMIND_FROM + timedelta(hours=1), by=staff)
    advance_test_clock(clock=TestClock.objects.get(pk=clock.pk), to=REMIND_FROM + timedelta(days=1), by=staff)
    assert len(keys(account, "renewal-reminder-")) == 1


@pytest.mark.django_db
def test_r9_1_r10_1_the_renewal_reminder_is_in_the_accounts_language():
    account = customer(language="fr")
    remind(account, REMIND_FROM)
    email = EmailLog.objects.get(account=account, key__startswith="renewal-reminder-")
    assert email.subject == "Votre abonnement est renouvelé le 15 janvier 2027"
    assert "Sa facture sera de 720,00 €, dont 0,00 € de taxes." in body(email)


# --- Cards ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_r9_1_a_card_is_reminded_in_the_month_before_it_expires_once():
    account = customer(cycle="monthly")
    assert remind(account, CARD_MONTH - MINUTE) == 0
    assert remind(account, CARD_MONTH) == 1
    assert remind(account, CARD_MONTH + timedelta(days=20)) == 0  # once
    assert remind(account, datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == 0
    email = EmailLog.objects.get(account=account, key__startswith="card-expiring-")
    assert email.key == f"card-expiring-{account.pk}-4242-202612"
    assert email.recipients == "owner@annual.test, ap@annual.test"
    assert email.subject == "Your card ending in 4242 expires on December 31, 2026"
    assert "The Visa card ending in 4242 that pays for Annual Co expires on December 31, 2026." in body(email)
    assert "/admin/account/billing/payment/" in body(email)


@pytest.mark.django_db
def test_r9_1_a_late_clock_reminds_in_the_expiry_month_but_not_after_it():
    late = customer("Late Co", cycle="monthly")
    assert remind(late, datetime(2026, 12, 20, tzinfo=UTC)) == 1
    gone = customer("Gone Co", cycle="monthly")
    assert remind(gone, datetime(2027, 1, 1, tzinfo=UTC)) == 0


@pytest.mark.django_db
def test_r9_1_a_card_expiring_in_january_is_reminded_from_december_first():
    account = customer(cycle="monthly", exp_month=1, exp_year=2027)
    assert remind(account, datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) == 0
    assert remind(account, datetime(2026, 12, 1, tzinfo=UTC)) == 1


@pytest.mark.django_db
def test_r9_1_a_replaced_card_is_not_reminded():
    account = customer(cycle="monthly")
    PaymentMethod.objects.filter(account=account).update(last4="1881", exp_month=6, exp_year=2029)
    assert remind(account, CARD_MONTH + timedelta(days=3)) == 0
    assert keys(account, "card-expiring-") == []


@pytest.mark.django_db
def test_r9_1_a_new_card_after_a_reminder_gets_its_own_later():
    account = customer(cycle="monthly")
    assert remind(account, CARD_MONTH) == 1
    PaymentMethod.objects.filter(account=account).update(last4="1881", exp_month=12, exp_year=2027)
    assert remind(account, CARD_MONTH + timedelta(days=3)) == 0
    assert remind(account, datetime(2027, 11, 2, tzinfo=UTC)) == 1
    assert sorted(keys(account, "card-expiring-")) == [
        f"card-expiring-{account.pk}-1881-202712",
        f"card-expiring-{account.pk}-4242-202612",
    ]


@pytest.mark.django_db
def test_r9_1_no_card_reminder_when_paying_by_transfer_or_cancelling():
    transfer = customer("Transfer Co", cycle="monthly")
    Subscription.objects.filter(account=transfer).update(payment_type=Subscription.PaymentType.INVOICE)
    cancelling = customer("Cancelling Co", cycle="monthly")
    ScheduledChange.objects.create(
        account=cancelling,
        kind=ScheduledChange.Kind.CANCEL_ACCOUNT,
        effective_at=RENEWAL,
        created_at=CARD_MONTH,
    )
    for account in (transfer, cancelling):
        assert remind(account, CARD_MONTH + timedelta(days=1)) == 0


@pytest.mark.django_db
def test_r9_1_r10_1_the_card_reminder_is_in_the_accounts_language():
    account = customer(cycle="monthly", language="fr")
    remind(account, CARD_MONTH)
    email = EmailLog.objects.get(account=account, key__startswith="card-expiring-")
    assert email.subject == "Votre carte se terminant par 4242 expire le 31 décembre 2026"


# --- The tick -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_r9_1_the_tick_emails_both_reminders_once(django_capture_on_commit_callbacks):
    account = customer(exp_month=1, exp_year=2027)
    with django_capture_on_commit_callbacks(execute=True):
        assert billing_tick(real_now=REMIND_FROM, account_ids=[account.pk]).reminders == 2
        assert (
            billing_tick(real_now=REMIND_FROM + timedelta(hours=1), account_ids=[account.pk]).reminders == 0
        )
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        "Your card ending in 4242 expires on January 31, 2027",
        "Your subscription renews on January 15, 2027",
    ]
    assert all(set(m.to) == {"owner@annual.test", "ap@annual.test"} for m in mail.outbox)


@pytest.mark.django_db
def test_r9_1_the_reminders_cost_the_same_queries_for_one_account_or_many(django_assert_num_queries):
    """Set-based: the due renewals and cards are found and written in a fixed number of statements."""
    customer("Solo Co", exp_month=1, exp_year=2027)
    with django_assert_num_queries(23):
        assert reminders_send_due(real_now=REMIND_FROM) == 2
    for n in range(6):
        customer(f"Many{n} Co", exp_month=1, exp_year=2027)
    with django_assert_num_queries(23):
        assert reminders_send_due(real_now=REMIND_FROM) == 12
