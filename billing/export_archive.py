"""The full export of an account's data (R7.6): a ZIP of one CSV and one JSON file per kind of record,
with a README. Rows stream from the database into the ZIP on disk: memory does not grow with the account."""

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder

from accounts.models import Account, Membership
from billing.models import (
    BillingContact,
    BillingEvent,
    Invoice,
    InvoiceLine,
    PaymentAttempt,
    SubscriptionItem,
)

CHUNK = 2000


@dataclass(frozen=True)
class Dataset:
    name: str
    columns: list[str]
    queryset: object  # rows as values_list(*columns), streamed


def datasets(account: Account) -> list[Dataset]:
    return [
        Dataset(
            "account",
            [
                "id",
                "name",
                "kind",
                "status",
                "created_on",
                "currency",
                "language",
                "billing_name",
                "billing_address",
                "billing_country",
                "vat_number",
                "is_business",
                "purchase_order",
            ],
            Account.objects.filter(pk=account.pk),
        ),
        Dataset("members", ["user__email", "role", "joined_at"], Membership.objects.filter(account=account)),
        Dataset(
            "subscription_items",
            [
                "subscription__cycle",
                "subscription__current_period_start",
                "subscription__current_period_end",
                "product__code",
                "edition",
                "seats",
                "bundle__code",
                "temporary_seats",
                "temporary_seats_end",
                "ended_at",
            ],
            SubscriptionItem.objects.filter(subscription__account=account),
        ),
        Dataset(
            "invoices",
            [
                "number",
                "kind",
                "status",
                "currency",
                "subtotal",
                "tax",
                "total",
                "period_start",
                "period_end",
                "issued_at",
                "due_at",
                "paid_at",
                "buyer_name",
                "buyer_address",
            ],
            Invoice.objects.filter(account=account).exclude(status=Invoice.Status.DRAFT),
        ),
        Dataset(
            "invoice_lines",
            ["invoice__number", "description", "quantity", "unit_amount", "amount"],
            InvoiceLine.objects.filter(invoice__account=account).exclude(
                invoice__status=Invoice.Status.DRAFT
            ),
        ),
        Dataset(
            "payments",
            [
                "created_at",
                "operation",
                "amount",
                "currency",
                "status",
                "failure_code",
                "reference",
                "invoice__number",
            ],
            PaymentAttempt.objects.filter(account=account),
        ),
        Dataset(
            "billing_contacts",
            ["email", "created_at", "removed_at"],
            BillingContact.objects.filter(account=account),
        ),
        Dataset(
            "billing_history",
            ["occurred_at", "kind", "actor_label", "summary", "amount", "currency", "before", "after"],
            BillingEvent.objects.filter(account=account),
        ),
    ]


README = """Full export of the account "{name}" — {when}

One CSV file and one JSON file (a list of objects) per kind of record:
{files}
Amounts are integers in minor units (cents) of the currency next to them. Dates are in UTC (ISO 8601).
"""


def _rows(dataset: Dataset) -> Iterable[tuple]:
    return dataset.queryset.order_by("pk").values_list(*dataset.columns).iterator(chunk_size=CHUNK)


def write_export(account: Account, target, *, when, progress=lambda percent: None) -> None:
    """Write the ZIP into `target`, a binary file (the caller keeps it on disk, not in memory)."""
    sets = datasets(account)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, dataset in enumerate(sets):
            with (
                archive.open(f"{dataset.name}.csv", "w") as raw,
                io.TextIOWrapper(raw, "utf-8", newline="") as text,
            ):
                writer = csv.writer(text)
                writer.writerow(dataset.columns)
                writer.writerows(_rows(dataset))
            with archive.open(f"{dataset.name}.json", "w") as raw, io.TextIOWrapper(raw, "utf-8") as text:
                text.write("[")
                for index, row in enumerate(_rows(dataset)):
                    text.write(
                        ("," if index else "")
                        + "\n"
                        + json.dumps(
                            dict(zip(dataset.columns, row, strict=True)),
                            cls=DjangoJSONEncoder,
                            ensure_ascii=False,
                        )
                    )
                text.write("\n]\n")
            progress(int(100 * (done + 1) / len(sets)))
        files = "".join(f"- {d.name}.csv, {d.name}.json\n" for d in sets)
        archive.writestr("README.txt", README.format(name=account.name, when=when.isoformat(), files=files))
