"""Billing › Payment (R8.4): the card on file, the latest calls to the payment provider, and the payment
being chased (R8.5); and what paid an invoice, for its receipt (R8.9)."""

from dataclasses import dataclass
from datetime import datetime

from accounts.models import Account
from billing.event_words import payment_failure, payment_operation
from billing.models import DunningCase, Invoice, PaymentAttempt, PaymentMethod, ReceivedTransfer
from billing.sandbox import AUTHENTICATION_REQUIRED


@dataclass(frozen=True)
class PaymentActivity:
    """A call to the provider as the owner reads it (R9.4): what, when, how much, and why it was refused —
    never its failure code, references or token (staff read those in the Django admin)."""

    created_at: datetime
    what: str
    amount: int
    currency: str
    status: str
    refusal: str


def card_of(account: Account) -> PaymentMethod | None:
    return PaymentMethod.objects.filter(account=account).first()


def recent_payment_activity(account: Account, limit: int = 10) -> list[PaymentActivity]:
    """The latest calls to the provider, newest first, in words in the active language."""
    attempts = PaymentAttempt.objects.filter(account=account).select_related("invoice")[:limit]
    return [
        PaymentActivity(
            created_at=attempt.created_at,
            what=payment_operation(attempt),
            amount=attempt.amount,
            currency=attempt.currency,
            status=attempt.status,
            refusal=payment_failure(attempt.failure_code) if attempt.status == attempt.Status.FAILED else "",
        )
        for attempt in attempts
    ]


def payment_awaiting_confirmation(account: Account) -> PaymentAttempt | None:
    """The charge the owner is asked to confirm with their bank (strong customer authentication, R12.1):
    the account's latest charge of an open invoice, when it was refused for want of that confirmation. With
    its invoice; one query."""
    latest = (
        PaymentAttempt.objects.filter(
            account=account, operation=PaymentAttempt.Operation.CHARGE, invoice__status=Invoice.Status.OPEN
        )
        .select_related("invoice")
        .order_by("-created_at", "-id")
        .first()
    )
    asked = latest is not None and latest.failure_code == AUTHENTICATION_REQUIRED
    return latest if asked and latest.status == PaymentAttempt.Status.FAILED else None


def confirmation_asked(account: Account, invoice_id: int) -> PaymentAttempt | None:
    """The latest charge of the account's invoice that waited for the owner's confirmation, whatever
    became of the invoice since (confirmed, paid otherwise); None for another account's invoice."""
    return (
        PaymentAttempt.objects.filter(
            account=account,
            invoice_id=invoice_id,
            operation=PaymentAttempt.Operation.CHARGE,
            failure_code=AUTHENTICATION_REQUIRED,
        )
        .select_related("invoice")
        .order_by("-created_at", "-id")
        .first()
    )


def live_dunning_case(account: Account) -> DunningCase | None:
    """The payment being chased (open, or suspended for non-payment), if any."""
    live = [DunningCase.Status.OPEN, DunningCase.Status.SUSPENDED]
    return DunningCase.objects.filter(account=account, status__in=live).select_related("invoice").first()


@dataclass(frozen=True)
class Payment:
    """What paid an invoice, as its receipt states it (R8.9): how much, when, and how — a card, named by its
    brand and last digits, or bank transfers, by their references."""

    amount: int
    currency: str
    paid_at: datetime
    method: str  # "card", "transfer", or "" when nothing recorded says how (a zero total, a demo payment)
    card: str = ""  # "Visa •••• 4242": only when the card that paid is the card on file, which we know
    references: tuple[str, ...] = ()  # the bank's references of the transfers


def payment_of(invoice: Invoice) -> Payment:
    """The payment of a paid invoice: its successful card charge, else the transfers recorded for it."""
    charge = (
        PaymentAttempt.objects.filter(
            invoice=invoice,
            operation=PaymentAttempt.Operation.CHARGE,
            status=PaymentAttempt.Status.SUCCEEDED,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    paid_at = invoice.paid_at or invoice.issued_at
    if charge is not None:
        # The attempt keeps the card's token, not its digits: the card on file names it while it is the same.
        card = PaymentMethod.objects.filter(account_id=invoice.account_id, gateway_token=charge.token).first()
        label = f"{card.brand} •••• {card.last4}" if card and charge.token else ""
        return Payment(charge.amount, charge.currency, paid_at, "card", card=label)
    transfers = list(ReceivedTransfer.objects.filter(invoice=invoice).order_by("received_on", "id"))
    if transfers:
        return Payment(
            sum(t.amount for t in transfers),
            transfers[-1].currency,
            paid_at,
            "transfer",
            references=tuple(t.reference for t in transfers),
        )
    return Payment(invoice.total, invoice.currency, paid_at, "")
