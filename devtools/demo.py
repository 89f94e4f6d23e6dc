"""The demo data: a fixed contract that the README, the tests and the docs rely on (issue 2).

Dates are relative to the day the demo is loaded. Loading twice changes nothing: an account that exists
already (by name) is left as it is.

The demo tells one story (issue 17): every period an account has paid has its invoice and its payment, made
the way the product makes them — the invoicing services number the invoices, and a card is charged through
the payment provider under the renewal's own key, so the provider's ledger agrees with our records
(`billing_reconcile`) — and the period that contains today is invoiced too, dated at its start.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Account, Membership, User
from billing import documents, pricing
from billing.catalog import install_catalog
from billing.lifecycle.renewals import renewal_charge_key
from billing.lifecycle.tick import advance_account, month_snapshots_write, next_actions
from billing.models import (
    BillingContact,
    ContractTerms,
    Coupon,
    Discount,
    PaymentAttempt,
    PaymentMethod,
    Product,
    Subscription,
    SubscriptionItem,
    TestClock,
)
from billing.selectors.subscription import load_subscription, price_table_for
from billing.selectors.upcoming import lines_for
from billing.services.collection import attempts_send, charge_intent
from billing.services.invoices import invoice_draft, invoice_finalize, invoice_mark_paid
from billing.staff import ensure_support_group

PASSWORD = "Demo-2026!"
Kind, Gen, Pricing, Role = Account.Kind, Account.Generation, Account.Pricing, Membership.Role
# How far back the billing history goes. A monthly account shows its last year: the current period and the
# 11 before it (a year of renewals reads as a history; eight years of them would only slow the demo down).
# An annual account shows every yearly term since it was created: a handful of invoices. Either way, no
# period starts before the account was created.
MONTHLY_HISTORY = 12
TRANSFER_DAYS = timedelta(days=1)  # an invoice paid by transfer is paid the day after it was issued


@dataclass
class Item:
    product: str
    edition: str
    seats: int = 1
    bundle: str | None = None
    temporary_seats: int = 0


@dataclass
class DemoAccount:
    name: str
    domain: str
    roles: dict[str, str]  # email local part → role
    kind: str
    created_on: date | None  # None: the day the demo is loaded
    items: list[Item]
    generation: str = Gen.RECENT
    pricing: str = Pricing.STANDALONE
    cycle: str = "monthly"
    currency: str = "USD"
    language: str = "en"
    card: tuple[str, str] | None = ("Visa", "4242")
    payment_type: str = "card"
    trial_days: int | None = None
    cancellation_via_support: bool = False
    chat_phase4: bool = True
    promo_bp: int | None = None
    address: str = ""
    country: str = "US"  # the seller is Irish (settings): outside the EU, no VAT (billing/tax.py)
    vat_number: str = ""
    billing_contacts: tuple[str, ...] = ()
    renewal_failed_days_ago: int | None = None  # a declined renewal, chased by dunning, on a test clock
    termination_fee: int = 0  # the contract's early termination fee, in minor units
    current_term_open: bool = False  # paid by transfer: the current term's invoice is still open, past due


def _suite(code: str, edition: str, seats: int) -> list[Item]:
    # Guide is priced per account: its seat count is 1, the suite's seats are those of its other products.
    return [
        Item(p, edition, 1 if p == "guide" else seats, bundle=code)
        for p in ("support", "chat", "guide", "talk")
    ]


DEMO_ACCOUNTS = [
    DemoAccount(
        "Acme Self-Service",
        "acme.test",
        {"owner": Role.OWNER, "billing": Role.BILLING_ADMIN, "admin": Role.ADMIN, "agent": Role.AGENT},
        Kind.SELF_SERVICE,
        date(2023, 3, 14),
        [
            Item("support", "professional", 12, temporary_seats=5),
            Item("chat", "professional", 5),
            Item("guide", "professional"),
            Item("talk", "team", 3),
        ],
        promo_bp=1000,
        billing_contacts=("accounting@acme.test",),
        address="1 Market Street\nSan Francisco, CA 94105",
    ),
    DemoAccount(
        "Legacy Suite SARL",
        "legacy-suite.test",
        {"owner": Role.OWNER, "billing": Role.BILLING_ADMIN},
        Kind.SELF_SERVICE,
        date(2019, 6, 3),
        _suite("support_suite", "professional", 8),
        generation=Gen.LEGACY,
        pricing=Pricing.LEGACY_SUITE,
        cycle="annual",
        currency="EUR",
        language="fr",
        card=("Mastercard", "4444"),
        address="12 rue de la Paix\n75002 Paris",
        country="FR",
        vat_number="FR44732829320",  # a business with a VAT number in another member state: reverse charge
    ),
    DemoAccount(
        "SPP Corp",
        "spp.test",
        {"owner": Role.OWNER},
        Kind.SELF_SERVICE,
        date(2022, 2, 1),
        _suite("zendesk_suite", "growth", 20),
        pricing=Pricing.SPP_SUITE,
        card=("Visa", "1881"),
    ),
    DemoAccount(
        "Online Assisted Ltd",
        "assisted.test",
        {"owner": Role.OWNER, "billing": Role.BILLING_ADMIN, "admin": Role.ADMIN},
        Kind.ONLINE_ASSISTED,
        date(2021, 9, 20),
        [Item("support", "enterprise", 50), Item("guide", "enterprise")],
        cycle="annual",
        currency="GBP",
        country="GB",
        termination_fee=100_000,
        current_term_open=True,
        card=None,
        payment_type="invoice",
    ),
    DemoAccount(
        "Managed Enterprise Inc",
        "managed.test",
        {"owner": Role.OWNER, "admin": Role.ADMIN},
        Kind.MANAGED,
        date(2018, 1, 15),
        [Item("support", "enterprise", 400), Item("explore", "enterprise")],
        cycle="annual",
        termination_fee=500_000,
        card=None,
        payment_type="invoice",
    ),
    DemoAccount(
        "Trial Startup",
        "trial.test",
        {"owner": Role.OWNER},
        Kind.SELF_SERVICE,
        None,
        _suite("zendesk_suite", "professional", 5),
        pricing=Pricing.SPP_SUITE,
        card=None,
        trial_days=10,
    ),
    DemoAccount(
        "Contact Support GmbH",
        "contact-support.test",
        {"owner": Role.OWNER},
        Kind.SELF_SERVICE,
        date(2022, 11, 2),
        [Item("support", "team", 4)],
        currency="EUR",
        country="DE",
        vat_number="DE123456788",
        card=("Visa", "5556"),
        cancellation_via_support=True,
    ),
    DemoAccount(
        "Vintage 2019 Co",
        "vintage.test",
        {"owner": Role.OWNER},
        Kind.SELF_SERVICE,
        date(2019, 5, 1),
        [Item("support", "professional", 6), Item("chat", "professional", 3), Item("guide", "professional")],
        chat_phase4=False,
        card=("American Express", "0005"),
    ),
    DemoAccount(
        "Past Due Chat",
        "pastdue.test",
        {"owner": Role.OWNER, "admin": Role.ADMIN, "agent": Role.AGENT},
        Kind.SELF_SERVICE,
        date(2021, 4, 12),
        [Item("chat", "professional", 4)],
        card=("Visa", "0002"),
        renewal_failed_days_ago=5,
    ),
]

STAFF = [("support@staff.test", False), ("root@staff.test", True)]


def _user(email: str, password: Callable[[], str], **fields) -> User:
    """The demo user, created with the hash of the demo password (`password()`: hashed once per seed)."""
    user = User.objects.filter(email=email).first()
    return user or User.objects.create(email=email, password=password(), **fields)


def seed_demo(*, now: datetime) -> list[str]:
    """Create what is missing of the demo; return the names of the accounts created. An account is created
    in a transaction of its own, with its invoices and the intents to charge the ones paid by card; once it
    is committed, the intents are sent to the payment provider and its answers recorded, which pays the
    invoices (R8.8: the provider is never called inside a transaction). The account whose renewal is
    declined is then advanced by the real billing clock. Should the seed stop between the commit and the
    answers, the billing clock sends the intents left pending again, under their keys (`payments_resume`).
    The invoices' PDFs are built when first downloaded (`documents.deferred`), not all at once here."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    # Every demo user has the same, published password: hashed once, not 20 times (a slow hash by design,
    # most of the seed's time), and only if a user is created.
    password = cache(lambda: make_password(PASSWORD))
    with transaction.atomic():
        install_catalog()  # also installed after every migrate: here for a database flushed since
        support_group = ensure_support_group()
        for email, superuser in STAFF:
            user = _user(email, password, is_staff=True, is_superuser=superuser)
            if not superuser:
                user.groups.add(support_group)
    products = {p.code: p for p in Product.objects.all()}
    created = []
    with documents.deferred():  # years of history: each PDF is built when first downloaded (R8.9)
        for spec in DEMO_ACCOUNTS:
            if Account.objects.filter(name=spec.name).exists():
                continue
            created.append(spec.name)
            _seed_account(spec, products, today, now, password)
    month_snapshots_write(now, TestClock.objects.all())  # the insights page has its month (R11.1)
    return created


def _seed_account(spec, products, today, now, password) -> None:
    with transaction.atomic():
        account, intents = _create_account(spec, products, today, now, password)
    attempts_send(intents, receipts=False)  # the history's payments: no receipt emails
    if spec.renewal_failed_days_ago:
        advance_account(account.pk)  # on its test clock, at "now": declined, dunning reaches D+4
    with transaction.atomic():
        _schedule(account)


def _create_account(
    spec: DemoAccount, products: dict, today: datetime, now: datetime, password: Callable[[], str]
) -> tuple[Account, list[PaymentAttempt]]:
    account = Account.objects.create(
        name=spec.name,
        kind=spec.kind,
        generation=spec.generation,
        pricing=spec.pricing,
        created_on=spec.created_on or today.date(),
        trial_ends_on=(today + timedelta(days=spec.trial_days)).date() if spec.trial_days else None,
        cancellation_via_support=spec.cancellation_via_support,
        chat_phase4=spec.chat_phase4,
        currency=spec.currency,
        language=spec.language,
        billing_name=spec.name,
        billing_address=spec.address,
        billing_country=spec.country,
        vat_number=spec.vat_number,
    )
    for local, role in spec.roles.items():
        Membership.objects.create(user=_user(f"{local}@{spec.domain}", password), account=account, role=role)
    ContractTerms.objects.create(
        account=account,
        service_started_at=datetime.combine(account.created_on, datetime.min.time(), tzinfo=UTC),
        early_termination_fee=spec.termination_fee,
    )
    # Monthly accounts are 10 days into their period, annual ones 100 days.
    start = today - timedelta(days=100 if spec.cycle == "annual" else 10)
    if spec.renewal_failed_days_ago:  # the period ends — and renews — that many days ago
        start = pricing.add_months(today - timedelta(days=spec.renewal_failed_days_ago), -1)
    end = pricing.period_end(start, spec.cycle)
    if spec.trial_days:
        start, end = today - timedelta(days=4), today + timedelta(days=spec.trial_days)
    subscription = Subscription.objects.create(
        account=account,
        cycle=spec.cycle,
        current_period_start=start,
        current_period_end=end,
        payment_type=spec.payment_type,
    )
    for item in spec.items:
        SubscriptionItem.objects.create(
            subscription=subscription,
            product=products[item.product],
            edition=item.edition,
            seats=item.seats,
            bundle=products[item.bundle] if item.bundle else None,
            temporary_seats=item.temporary_seats,
            temporary_seats_end=(today + timedelta(days=45)).date() if item.temporary_seats else None,
        )
    if spec.card:
        brand, last4 = spec.card
        PaymentMethod.objects.create(
            account=account,
            brand=brand,
            last4=last4,
            exp_month=12,
            exp_year=today.year + 2,
            gateway_token=f"sandbox_demo_{last4}",
        )
    if spec.promo_bp:
        coupon, _ = Coupon.objects.get_or_create(
            code="welcome10",
            defaults={"name": "Welcome 10%", "kind": Coupon.Kind.PROMOTION, "percent_off_bp": spec.promo_bp},
        )
        Discount.objects.create(
            subscription=subscription, coupon=coupon, starts_at=start - timedelta(days=400)
        )
    for contact in spec.billing_contacts:
        BillingContact.objects.create(account=account, email=contact, created_at=today)
    intents = _invoice_history(account, subscription, spec, today)
    if spec.renewal_failed_days_ago:
        # The card paid every period so far; the sandbox declines it from now on (a test card's token
        # decides its outcome): its next renewal, run by the clock, is refused.
        PaymentMethod.objects.filter(account=account).update(
            gateway_token=f"sandbox_card_declined_{spec.card[1]}"
        )
        # The real lifecycle will run on a test clock at "now".
        account.test_clock = TestClock.objects.create(name=f"{spec.name} clock", frozen_now=now)
        account.save(update_fields=["test_clock"])
    return account, intents


def _history(spec: DemoAccount, current_start: datetime, created_on: date) -> list[tuple[datetime, datetime]]:
    """The periods the demo invoices, oldest first: the current one and those before it, back to the
    account's creation — the last MONTHLY_HISTORY of them for a monthly account. A trial has none."""
    if spec.trial_days:
        return []
    step, periods = pricing.MONTHS_PER_PERIOD[spec.cycle], []
    start = current_start
    while start.date() >= created_on and (spec.cycle == "annual" or len(periods) < MONTHLY_HISTORY):
        periods.append((start, pricing.period_end(start, spec.cycle)))
        start = pricing.add_months(current_start, -step * len(periods))  # from the current: no day drift
    return periods[::-1]


def _invoice_history(
    account: Account, subscription: Subscription, spec: DemoAccount, today: datetime
) -> list[PaymentAttempt]:
    """Each period of the history invoiced as its renewal was: through the invoicing service (no emails),
    dated at the period's start, with the subscription's lines as they stand (quantity × unit price, the
    upcoming invoice's own function). A card account's invoice gets the intent to charge it, under the
    renewal's key (the caller sends them once this transaction commits); one paid by transfer is paid the
    next day — except the current term's when the spec leaves it open (and past due: due 30 days after)."""
    lines, intents = _lines(account, now=today), []
    for start, end in _history(spec, subscription.current_period_start, account.created_on):
        draft = invoice_draft(account=account, lines=lines, now=start, period_start=start, period_end=end)
        invoice = invoice_finalize(invoice=draft, now=start, notify=False)
        if spec.payment_type == Subscription.PaymentType.CARD:
            intents.append(charge_intent(invoice, key=renewal_charge_key(subscription, start), now=start))
        elif not (spec.current_term_open and start == subscription.current_period_start):
            invoice_mark_paid(invoice=invoice, now=start + TRANSFER_DAYS)
    return intents


def _lines(account: Account, *, now: datetime):
    """One period of the subscription as it stands, as invoice lines."""
    loaded = load_subscription(account, now=now)
    return lines_for(
        loaded.subscription,
        loaded.items,
        price_table_for(loaded.subscription),
        loaded.discounts,
    )


def _schedule(account: Account) -> None:
    """When the billing clock must first look at the account (nothing is run now)."""
    next_at = min((action.at for action in next_actions(account)), default=None)
    Account.objects.filter(pk=account.pk).update(next_action_at=next_at)
