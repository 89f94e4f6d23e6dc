"""Many accounts at once, for the benchmarks (bench_tick, seed_bench): bulk inserts, a realistic mix."""

from datetime import timedelta

from accounts.models import Account, Membership, User
from billing.models import PaymentMethod, Price, Product, Subscription, SubscriptionItem

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
