"""Reconciliation (R8.8): the provider's ledger compared with our invoices, credit notes and payments.

Compared are the movements of money — charges (and captures) against invoices, refunds against credit
notes — and our payment attempts that say money moved. An invoice paid with no attempt of ours (paid by
transfer, or history imported before the card was charged through us) is not the provider's business.
A movement whose attempt we have not answered yet is in flight, not a mismatch: the next tick records it.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F

from billing.models import Invoice, PaymentAttempt, PaymentMismatch

Kind = PaymentMismatch.Kind
MONEY_IN, MONEY_OUT = ("charge", "capture"), ("refund",)


@dataclass(frozen=True)
class Mismatch:
    kind: str
    reference: str
    keys: tuple[str, ...]
    amount: int | None
    currency: str
    detail: str


def payment_mismatches(movements: list[dict]) -> list[Mismatch]:
    """Every disagreement between the ledger's `movements` (the provider's, as `provider.movements()`
    gives them) and our records."""
    moved = [m for m in movements if m["outcome"] == "succeeded" and m["operation"] in MONEY_IN + MONEY_OUT]
    by_reference = defaultdict(list)
    for movement in moved:
        by_reference[(movement["operation"] in MONEY_OUT, movement["reference"])].append(movement)
    ours = _documents({reference for _out, reference in by_reference})
    in_flight = set(PaymentAttempt.objects.pending().values_list("idempotency_key", flat=True))
    found = []
    for (out, reference), group in sorted(by_reference.items(), key=lambda item: item[0][1]):
        group = [m for m in group if m["key"] not in in_flight]
        if group:
            found += _compare(out, reference, group, ours.get(reference))
    recorded = {(out, reference) for out, reference in by_reference}
    for attempt in _settled_attempts():
        out = attempt["operation"] in MONEY_OUT
        if (out, attempt["document"]) not in recorded:
            found.append(
                Mismatch(
                    Kind.MISSING,
                    attempt["document"],
                    (attempt["idempotency_key"],),
                    attempt["amount"],
                    attempt["currency"],
                    "We recorded this payment; the provider has no such movement."
                    if not out
                    else "We recorded this refund; the provider has no such movement.",
                )
            )
    return found


def _compare(out: bool, reference: str, group: list[dict], document: dict | None) -> list[Mismatch]:
    keys = tuple(m["key"] for m in group)
    amount, currency = sum(m["amount"] for m in group), group[0]["currency"]
    expected_kind = Invoice.Kind.CREDIT_NOTE if out else Invoice.Kind.INVOICE
    if (
        document is None
        or document["kind"] != expected_kind
        or (not out and document["status"] != Invoice.Status.PAID)
    ):
        what = "credit note" if out else "paid invoice"
        return [Mismatch(Kind.UNRECORDED, reference, keys, amount, currency, f"Money moved with no {what}.")]
    if len(group) > 1:
        return [
            Mismatch(
                Kind.DUPLICATE, reference, keys, amount, currency, f"{len(group)} movements for one document."
            )
        ]
    if (amount, currency) != (document["total"], document["currency"]):
        ours = f"{document['total']} {document['currency']}"
        detail = f"The provider moved {amount} {currency}; the document says {ours}."
        return [Mismatch(Kind.DIFFERENT, reference, keys, amount, currency, detail)]
    return []


def _settled_attempts():
    """Our attempts that say money moved for an invoice or a credit note, with its number."""
    return (
        PaymentAttempt.objects.filter(
            status=PaymentAttempt.Status.SUCCEEDED, operation__in=MONEY_IN + MONEY_OUT, invoice__isnull=False
        )
        .values("idempotency_key", "operation", "amount", "currency", document=F("invoice__number"))
        .iterator(chunk_size=2000)
    )


def _documents(numbers: set[str]) -> dict[str, dict]:
    """Our invoices and credit notes by number."""
    documents = {}
    numbers = list(numbers)
    for start in range(0, len(numbers), 2000):
        rows = Invoice.objects.filter(number__in=numbers[start : start + 2000]).values(
            "number", "kind", "status", "total", "currency"
        )
        documents.update((row["number"], row) for row in rows)
    return documents
