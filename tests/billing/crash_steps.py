"""What the crash tests (test_crash_safety.py) run in child processes, on a database of their own:

    python manage.py shell -c "from tests.billing import crash_steps as s; s.<step>(...)"

Each step calls the real services, as a request or the billing clock would, and prints one JSON line. The
test kills the child at a crash point (BILLING_CRASH_AT, billing/crash.py) or at a random moment.
"""

import json
from collections import Counter
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Account, Membership, User
from billing.lifecycle.tick import billing_tick
from billing.models import BillingEvent, Charge, DunningCase, Invoice, PaymentAttempt, PaymentMethod
from billing.selectors.changes import ChangeKind, ChangeSpec
from billing.services.changes import AlreadyApplied, subscription_change_confirm, subscription_change_preview
from billing.services.contracts import early_termination, termination_preview
from devtools.bench_data import create_bench_accounts
from devtools.demo import seed_demo

ACME = "Acme Self-Service"


def _say(**facts) -> None:
    print(json.dumps(facts, default=str), flush=True)


def started() -> None:
    _say(started=True)


def seed(accounts: int, declined_every: int) -> None:
    """The demo, and `accounts` more accounts due for renewal now, one card in `declined_every` declined."""
    seed_demo(now=timezone.now())
    create_bench_accounts(accounts, now=timezone.now(), due_every=1, declined_every=declined_every)
    _say(accounts=Account.objects.count())


def tick(at: str | None = None, account: str | None = None) -> None:
    """The billing clock, now or at `at` (ISO), for every due account or for the one named."""
    ids = list(Account.objects.filter(name=account).values_list("pk", flat=True)) if account else None
    report = billing_tick(real_now=datetime.fromisoformat(at) if at else None, account_ids=ids)
    _say(accounts=report.accounts, failed=report.failed, mismatches=report.mismatches)


def renewal_facts() -> None:
    """For the accounts created by `seed`: invoices, periods and charges per account, and what is left."""
    bench = Account.objects.filter(name__startswith="Bench ")
    invoices = Counter(Invoice.objects.filter(account__in=bench).values_list("account", flat=True))
    charged = Counter(
        PaymentAttempt.objects.filter(account__in=bench, operation="charge").values_list("invoice", flat=True)
    )
    events = BillingEvent.objects.filter(account__in=bench)

    def per_account(rows) -> list:  # [[how many per account, for how many accounts]]
        return sorted(Counter(Counter(rows.values_list("account", flat=True)).values()).items())

    _say(
        accounts=bench.count(),
        paid_events_per_account=per_account(events.filter(kind=BillingEvent.Kind.INVOICE_PAID)),
        refused_events_per_account=per_account(events.filter(kind=BillingEvent.Kind.PAYMENT_FAILED)),
        cases_per_account=per_account(DunningCase.objects.filter(account__in=bench)),
        invoices_per_account=sorted(Counter(invoices[a.pk] for a in bench).items()),
        intents_per_invoice=sorted(Counter(charged.values()).items()),
        paid=Invoice.objects.filter(account__in=bench, status="paid").count(),
        chased=Invoice.objects.filter(account__in=bench, dunning_case__isnull=False).count(),
        pending=PaymentAttempt.objects.pending().count(),
        numbers=list(Invoice.objects.filter(account__in=bench).values_list("number", flat=True)),
    )


def _acme_owner() -> Membership:
    return Membership.objects.select_related("account").get(user__email="owner@acme.test")


def manage_preview() -> None:
    """The owner previews adding 3 seats to Support: the signed quote the confirmation needs."""
    owner = _acme_owner()
    support = owner.account.subscription.items.get(product__code="support")
    spec = ChangeSpec(kind=ChangeKind.ADD_SEATS, item=support.pk, seats=3)
    quote, signed = subscription_change_preview(membership=owner, spec=spec, now=timezone.now())
    _say(quote=signed, charge=quote.charge_now)


def manage_confirm(signed: str) -> None:
    """The owner confirms the quote (again, after a crash: it is applied once)."""
    try:
        subscription_change_confirm(membership=_acme_owner(), signed=signed, now=timezone.now())
    except AlreadyApplied:
        _say(result="already applied")
    else:
        _say(result="applied")


def manage_facts() -> None:
    account = _acme_owner().account
    charges = Charge.objects.filter(account=account)
    _say(
        changes=BillingEvent.objects.filter(account=account, kind="seats_added").count(),
        charges=charges.count(),
        invoiced=charges.exclude(invoice=None).count(),
        paid=charges.filter(invoice__status="paid").count(),
        numbers=list(charges.exclude(invoice=None).values_list("invoice__number", flat=True)),
        pending=PaymentAttempt.objects.pending().count(),
    )


def _acme_period_end() -> datetime:
    return Account.objects.get(name=ACME).subscription.current_period_end


def renew_acme(declined: bool = False) -> None:
    """Acme's renewal, charged to its card (declined, if asked): the term a refund or a retry is about."""
    token = "sandbox_card_declined_x" if declined else "sandbox_ok_x"
    PaymentMethod.objects.filter(account__name=ACME).update(gateway_token=token)
    tick(at=(_acme_period_end() + timedelta(hours=1)).isoformat(), account=ACME)


def terminate_acme() -> None:
    """Support staff end Acme's term early, 10 days in: a credit note refunded to the card (R7.3)."""
    account = Account.objects.get(name=ACME)
    at = account.subscription.current_period_start + timedelta(days=10)
    staff, signed = User.objects.filter(is_superuser=True).first(), termination_preview(account, now=at)[1]
    statement = early_termination(account=account, by=staff, signed=signed, now=at)
    _say(statement=statement.pk)


def refund_facts() -> None:
    credit = Invoice.objects.filter(account__name=ACME, kind="credit_note")
    _say(
        credit_notes=list(credit.values_list("number", "total")),
        refunds=PaymentAttempt.objects.filter(operation="refund", status="succeeded").count(),
        refund_events=BillingEvent.objects.filter(kind="refund_issued").count(),
        pending=PaymentAttempt.objects.pending().count(),
    )


def retry_acme() -> None:
    """The owner's new card works; the clock reaches the D+2 retry of the refused renewal (R8.5)."""
    PaymentMethod.objects.filter(account__name=ACME).update(gateway_token="sandbox_ok_y")
    account = Account.objects.get(name=ACME)
    started = account.dunning_cases.get().started_at
    tick(at=(started + timedelta(days=2, hours=1)).isoformat(), account=ACME)


def retry_facts() -> None:
    account = Account.objects.get(name=ACME)
    case = account.dunning_cases.get()
    _say(
        case=case.status,
        invoice=case.invoice.number,
        invoice_status=case.invoice.status,
        charges=list(
            PaymentAttempt.objects.filter(invoice=case.invoice, operation="charge")
            .order_by("id")
            .values_list("idempotency_key", "status")
        ),
        pending=PaymentAttempt.objects.pending().count(),
    )


def emails_write(count: int) -> None:
    """`count` emails decided in one transaction, as a service writes them: queued for the worker."""
    from django.db import transaction

    from billing import emails

    account = Account.objects.create(name="Outbox", kind=Account.Kind.SELF_SERVICE, created_on=timezone.now())
    user = User.objects.create_user(email="owner@outbox.test", password="unused-Pa55word")
    Membership.objects.create(user=user, account=account, role=Membership.Role.OWNER)
    context = {"account": account, "deletion_at": timezone.now()}
    with transaction.atomic():
        for n in range(count):
            emails.send_once(key=f"outbox-{n}", account=account, template="suspended", context=context)
    _say(written=count)


def emails_facts() -> None:
    from billing.models import EmailLog

    rows = EmailLog.objects.order_by("key").values_list("key", "sent_at", "attempts")
    _say(emails={key: {"sent": sent is not None, "attempts": attempts} for key, sent, attempts in rows})
