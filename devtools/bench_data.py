"""Many accounts at once, for the benchmarks (bench_tick, seed_bench): bulk inserts, a realistic mix."""

import uuid
from datetime import timedelta

from django.db import connection

from accounts.models import Account, Membership, User
from billing.models import (
    Cancellation,
    CancellationReason,
    DunningCase,
    Invoice,
    PaymentMethod,
    Price,
    Product,
    ScheduledChange,
    Subscription,
    SubscriptionItem,
)

CYCLES = ["monthly", "monthly", "monthly", "annual"]  # three monthly accounts for one annual
EDITIONS = ["team", "growth", "professional", "enterprise"]


def create_bench_accounts(
    count: int, *, now, due_every: int, declined_every: int = 0, prefix: str = "Bench"
) -> list[Account]:
    """`count` self-service accounts with one Support subscription and a card; one in `due_every` is due,
    and one in `declined_every` (if given) has a card the sandbox declines."""
    support = Product.objects.get(code="support")
    if not Price.objects.filter(product=support).exists():
        raise SystemExit("Run the migrations first: the catalog is missing.")
    accounts = Account.objects.bulk_create(
        Account(
            name=f"{prefix} {n:06d}",
            kind="self_service",
            created_on=now.date(),
            next_action_at=now - timedelta(minutes=1)
            if n % due_every == 0
            else now + timedelta(days=1 + n % 30),
        )
        for n in range(count)
    )
    subscriptions = Subscription.objects.bulk_create(
        Subscription(
            account=account,
            cycle=CYCLES[n % 4],
            current_period_start=now - timedelta(days=30),
            current_period_end=now - timedelta(minutes=1) if n % due_every == 0 else account.next_action_at,
        )
        for n, account in enumerate(accounts)
    )
    SubscriptionItem.objects.bulk_create(
        SubscriptionItem(subscription=s, product=support, edition=EDITIONS[n % 4], seats=1 + n % 40)
        for n, s in enumerate(subscriptions)
    )
    declined = lambda n: declined_every and n % declined_every == 0  # noqa: E731
    PaymentMethod.objects.bulk_create(
        PaymentMethod(
            account=a,
            brand="Visa",
            last4="4242",
            # Spread over three years: some cards expire this month or next (their reminders, R9.1).
            exp_month=1 + n % 12,
            exp_year=now.year + n // 12 % 3,
            gateway_token=f"sandbox_{'card_declined' if declined(n) else 'ok'}_{a.pk}",
        )
        for n, a in enumerate(accounts)
    )
    return accounts


def create_bench_owners(accounts: list[Account], *, password_hash: str) -> None:
    """An owner for each account, all with one precomputed password hash (hashing 10,000 times would take
    minutes with Argon2 and measure nothing)."""
    users = User.objects.bulk_create(
        User(email=f"owner-{account.pk}@bench.test", password=password_hash) for account in accounts
    )
    Membership.objects.bulk_create(
        Membership(account=account, user=user, role=Membership.Role.OWNER)
        for account, user in zip(accounts, users, strict=True)
    )


def create_insights_history(prefix: str, *, months: list, now) -> None:
    """Issue 22: the accounts named `prefix…` get a mix of types and currencies, and a snapshot for each of
    `months` (set-based, one INSERT … SELECT a month) with statuses and revenue varying by account and
    month; a tenth of them a cancellation (a fifth of those withdrawn), a twelfth a dunning case with its
    outcome."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_account SET "
            "kind = CASE WHEN id %% 10 = 0 THEN 'managed' WHEN id %% 10 = 1 THEN 'online_assisted' "
            "ELSE 'self_service' END, "
            "currency = CASE WHEN id %% 5 = 0 THEN 'EUR' WHEN id %% 5 = 1 THEN 'GBP' ELSE 'USD' END "
            "WHERE name LIKE %s",
            [f"{prefix}%"],
        )
        for index, month in enumerate(months):
            cursor.execute(
                "INSERT INTO billing_accountsnapshot (account_id, month, status, currency, kind, mrr) "
                "SELECT id, %s, CASE WHEN (id + %s) %% 53 = 0 THEN 'cancelled' WHEN (id + %s) %% 37 = 0 "
                "THEN 'dunning' WHEN (id + %s) %% 41 = 0 THEN 'cancelling' WHEN (id + %s) %% 97 = 0 "
                "THEN 'suspended' ELSE 'active' END, currency, kind, (id %% 40 + 1) * 1500 + %s * 10 "
                "FROM accounts_account WHERE name LIKE %s",
                [month, index, index, index, index, index, f"{prefix}%"],
            )
    accounts = list(Account.objects.filter(name__startswith=prefix).values_list("pk", "currency"))
    _bench_cancellations([pk for pk, _currency in accounts[::10]], now=now, days=len(months) * 30)
    _bench_dunning(accounts[3::12], now=now, days=len(months) * 30)


def _bench_cancellations(account_ids: list[int], *, now, days: int) -> None:
    reasons = CancellationReason.values
    cancellations = Cancellation.objects.bulk_create(
        Cancellation(
            account_id=pk,
            scope="account" if n % 3 else "products",
            reason=reasons[n % len(reasons)],
            explanation=f"Bench explanation {n}",
            effective_at=now,
            token=uuid.uuid4(),
            created_at=now - timedelta(days=n % days),
        )
        for n, pk in enumerate(account_ids)
    )
    ScheduledChange.objects.bulk_create(
        ScheduledChange(
            account_id=c.account_id,
            kind="remove_item" if c.scope == "products" else "set_cycle",  # never pending: revoked or applied
            cancellation=c,
            effective_at=c.created_at + timedelta(days=30),
            created_at=c.created_at,
            revoked_at=c.created_at + timedelta(days=1) if n % 5 == 0 else None,
            applied_at=None if n % 5 == 0 else c.created_at + timedelta(days=30),
        )
        for n, c in enumerate(cancellations)
    )


def _bench_dunning(accounts: list[tuple[int, str]], *, now, days: int) -> None:
    started = [now - timedelta(days=n % days) for n in range(len(accounts))]
    invoices = Invoice.objects.bulk_create(
        Invoice(
            account_id=pk,
            status="open",
            sequence=1,
            number=f"BENCH-INS-{pk}",
            currency=currency,
            subtotal=5000,
            total=5000,
            created_at=at,
            issued_at=at,
        )
        for (pk, currency), at in zip(accounts, started, strict=True)
    )
    outcomes = [("recovered", 0), ("recovered", 2), ("recovered", 5), ("recovered", 22), ("suspended", None)]
    DunningCase.objects.bulk_create(
        DunningCase(
            account_id=invoice.account_id,
            invoice=invoice,
            started_at=at,
            suspend_at=at + timedelta(days=29),
            status="open" if n % 6 == 5 else outcomes[n % 6][0],
            closed_at=None
            if n % 6 == 5 or outcomes[n % 6][1] is None
            else at + timedelta(days=outcomes[n % 6][1]),
        )
        for n, (invoice, at) in enumerate(zip(invoices, started, strict=True))
    )
