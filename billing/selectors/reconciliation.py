"""Reconciliation (R8.8): the provider's ledger compared with our invoices, credit notes and payments.

Compared are the movements of money — charges (and captures) against invoices, refunds against credit
notes — and our payment attempts that say money moved. An invoice paid with no attempt of ours (paid by
transfer, or history imported before the card was charged through us) is not the provider's business.
A movement whose attempt we have not answered yet is in flight, not a mismatch: the next tick records it.

Both sides are read in an order that cannot see a half-made payment as a mismatch: our answered attempts
first (each one's movement is in the ledger before we record it), then the ledger, then the intents still
in flight (a movement read in the ledger is either still pending then, or answered — and its invoice paid —
by then), then the documents.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F

from billing.models import Invoice, PaymentAttempt, PaymentMismatch

Kind = PaymentMismatch.Kind
MONEY_IN, MONEY_OUT = ("charge", "capture"), ("refund",)
CHUNK = 500  # values per IN list


@dataclass(frozen=True)
class Mismatch:
    kind: str
    reference: str
    keys: tuple[str, ...]
    amount: int | None
    currency: str
    detail: str


def payment_mismatches(provider, *, since: datetime | None = None) -> tuple[list[Mismatch], set[str] | None]:
    """Every disagreement between the provider's ledger and our records, and the documents looked at.

    With `since`, only what changed since then: the movements the provider made and the answers we recorded
    since, each compared with the whole history of its document (a duplicate of a payment made long ago is
    found). Without it, everything: the documents looked at are then all of them (None)."""
    ours = list(_answered_attempts(since))
    if since is None:
        movements = provider.movements()
    else:
        recent = provider.movements(since=since)
        documents = {m["reference"] for m in recent} | {a["document"] for a in ours}
        # The recent ones read again with their documents' history: a provider's search (Stripe's) may not
        # show the last minute's movements yet, its list does. (Stripe may hold two under one key: one sent
        # again after it forgot the key — a duplicate to find.)
        history = provider.movements(references=sorted(documents))
        both = {(m["key"], m["provider_reference"]): m for m in [*history, *recent]}
        movements = sorted(both.values(), key=lambda m: (m["created_at"], m["key"]))
    in_flight = _in_flight({m["key"] for m in movements})
    moved = [
        m
        for m in movements
        if m["outcome"] == "succeeded"
        and m["operation"] in MONEY_IN + MONEY_OUT
        and m["key"] not in in_flight
    ]
    by_document = defaultdict(list)  # (money out?, the document's number): its movements
    for m in moved:
        by_document[(m["operation"] in MONEY_OUT, m["reference"])].append(m)
    documents = _documents({reference for _out, reference in by_document})
    found = _ours_against_theirs(ours, {m["key"]: m for m in movements})
    reported = {(m.kind, m.reference) for m in found}
    for (out, reference), group in sorted(by_document.items(), key=lambda item: (item[0][1], item[0][0])):
        for mismatch in _compare(out, reference, group, documents.get(reference)):
            if (mismatch.kind, mismatch.reference) not in reported:
                found.append(mismatch)
    looked_at = None if since is None else {m["reference"] for m in movements} | {a["document"] for a in ours}
    return found, looked_at


def _ours_against_theirs(ours: list[dict], by_key: dict[str, dict]) -> list[Mismatch]:
    """Each payment we recorded as made must be in the ledger, under its key, made, for the same amount."""
    found = []
    for attempt in ours:
        key, document = attempt["idempotency_key"], attempt["document"]
        # A payment the owner confirmed with their bank is the PaymentIntent of the charge that asked them.
        movement = by_key.get(key) or by_key.get(key.removesuffix(PaymentAttempt.CONFIRMED_BY_OWNER))
        what = "refund" if attempt["operation"] in MONEY_OUT else "payment"
        if movement is None:
            detail = f"We recorded this {what}; the provider has no such movement."
            found.append(
                Mismatch(Kind.MISSING, document, (key,), attempt["amount"], attempt["currency"], detail)
            )
        elif (
            movement["outcome"] != "succeeded"
            or movement["amount"] != attempt["amount"]
            or (movement["currency"] != attempt["currency"])
        ):
            theirs = f"{movement['outcome']}, {movement['amount']} {movement['currency']}"
            detail = f"We recorded this {what} as made; the provider says: {theirs}."
            found.append(
                Mismatch(Kind.DIFFERENT, document, (key,), attempt["amount"], attempt["currency"], detail)
            )
    return found


def _compare(out: bool, reference: str, group: list[dict], document: dict | None) -> list[Mismatch]:
    """The movements made for one document against it: one movement, of its total, for a paid invoice or
    a credit note."""
    keys = tuple(m["key"] for m in group)
    if len(group) > 1:
        currencies = {m["currency"] for m in group}
        amount = sum(m["amount"] for m in group) if len(currencies) == 1 else None  # never across currencies
        moved = ", ".join(f"{m['amount']} {m['currency']}" for m in group)
        detail = f"{len(group)} movements for one document: {moved}."
        currency = group[0]["currency"] if len(currencies) == 1 else ""
        return [Mismatch(Kind.DUPLICATE, reference, keys, amount, currency, detail)]
    amount, currency = group[0]["amount"], group[0]["currency"]
    expected_kind = Invoice.Kind.CREDIT_NOTE if out else Invoice.Kind.INVOICE
    if (
        document is None
        or document["kind"] != expected_kind
        or (not out and document["status"] != Invoice.Status.PAID)
    ):
        what = "credit note" if out else "paid invoice"
        return [Mismatch(Kind.UNRECORDED, reference, keys, amount, currency, f"Money moved with no {what}.")]
    if (amount, currency) != (document["total"], document["currency"]):
        ours = f"{document['total']} {document['currency']}"
        detail = f"The provider moved {amount} {currency}; the document says {ours}."
        return [Mismatch(Kind.DIFFERENT, reference, keys, amount, currency, detail)]
    return []


def _answered_attempts(since: datetime | None):
    """Our attempts that say money moved for an invoice or a credit note (answered since `since`)."""
    attempts = PaymentAttempt.objects.filter(
        status=PaymentAttempt.Status.SUCCEEDED, operation__in=MONEY_IN + MONEY_OUT, invoice__isnull=False
    )
    if since is not None:
        attempts = attempts.filter(answered_at__gte=since)
    return attempts.values(
        "idempotency_key", "operation", "amount", "currency", document=F("invoice__number")
    ).iterator(chunk_size=2000)


def _in_flight(keys: set[str]) -> set[str]:
    """Of these keys, those whose intent is still waiting for its answer (few: read through their index)."""
    return set(PaymentAttempt.objects.pending().values_list("idempotency_key", flat=True)) & keys


def _documents(numbers: set[str]) -> dict[str, dict]:
    """Our invoices and credit notes by number."""
    documents, numbers = {}, sorted(numbers)
    for start in range(0, len(numbers), CHUNK):
        rows = Invoice.objects.filter(number__in=numbers[start : start + CHUNK]).values(
            "number", "kind", "status", "total", "currency"
        )
        documents.update((row["number"], row) for row in rows)
    return documents
