"""The figures an EN 16931 invoice states, from the invoice's snapshot alone (R8.9): its VAT category and
exemption, its lines, its allowances and its totals, as exact decimals in the invoice's currency.

Amounts are integer minor units (billing/money.py); EN 16931 wants decimal amounts with at most two
decimals, so each is scaled by its currency's exponent without any rounding: 6900 USD cents are 69.00,
6900 yen are 6900. Nothing is computed again: every total is the invoice's own, and the business rules on
totals (BR-CO-10 to BR-CO-16) hold because the invoice's lines and totals are consistent by construction
(database constraints: line = quantity × unit price, total = subtotal + tax) — tests check them.

Discounts: our invoices show a discount as a line with a negative amount (a coupon, "on $1,223.00" its
basis). EN 16931 forbids a negative line net price (BR-27), and our discounts apply to the whole
subtotal, not to one line: each becomes a document-level allowance (BG-20) with its description as the
reason (BT-97) and its basis (BT-93) when it has one. The lines (BG-25) are the others; the sum of their
nets is BT-106, the allowances' BT-107, and BT-106 − BT-107 is the invoice's subtotal (BT-109)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from babel.numbers import get_currency_precision

from billing.models import Invoice, InvoiceLine
from billing.tax import TaxCategory

# UNTDID 5305 codes used beyond billing.tax's: "Z", zero-rated, for an invoice taxed at 0 % in the
# standard category (a seller country without a rate in billing/tax.py, or an invoice issued before its VAT
# category was recorded); BR-S-05 forbids a 0 % rate in category S.
ZERO_RATED = "Z"
# The VATEX codes (CEF's list of VAT exemption reasons) and their texts (BT-120, BT-121), which the
# reverse charge and the export must carry (BR-AE-10, BR-G-10). The invoice's language does not change
# them: they are read by software; the PDF carries the mention in the invoice's language.
EXEMPTIONS = {
    TaxCategory.REVERSE_CHARGE.value: ("VATEX-EU-AE", "Reverse charge"),
    TaxCategory.EXPORT.value: ("VATEX-EU-G", "Export outside the EU"),
}
CREDIT_NOTE, COMMERCIAL_INVOICE = "381", "380"  # UNTDID 1001 (BT-3)
SEPA_TRANSFER, BANK_CARD = "58", "48"  # UNTDID 4461 (BT-81)


def decimal_amount(minor: int, currency: str) -> Decimal:
    """Minor units as the decimal amount they stand for, exact: 6900 USD → 69.00, 6900 JPY → 6900."""
    exponent = get_currency_precision(currency)
    return Decimal(minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def percent(rate_bp: int) -> Decimal:
    """A rate in basis points as EN 16931's percentage: 2000 → 20.00, 2550 → 25.50."""
    return Decimal(rate_bp).scaleb(-2).quantize(Decimal("0.01"))


def day(value: datetime | None) -> date | None:
    """Billing days are UTC days (billing.money.format_day): the PDF and the XML name the same day."""
    return value.astimezone(UTC).date() if value is not None else None


@dataclass(frozen=True)
class Tax:
    category: str  # UNTDID 5305: S, Z, AE, G
    rate_bp: int
    exemption_code: str = ""
    exemption_reason: str = ""


@dataclass(frozen=True)
class Line:
    number: int  # BT-126, from 1
    name: str
    quantity: int
    unit_price: int  # minor units: BT-146, the net price
    net: int  # BT-131
    start: date | None
    end: date | None


@dataclass(frozen=True)
class Allowance:
    reason: str  # BT-97
    amount: int  # BT-92, positive
    basis: int | None  # BT-93


@dataclass(frozen=True)
class Totals:
    lines: int  # BT-106
    allowances: int  # BT-107
    tax_basis: int  # BT-109, BT-116
    tax: int  # BT-110, BT-117
    grand: int  # BT-112
    due: int  # BT-115


def tax_of(invoice: Invoice) -> Tax:
    """The invoice's VAT category as EN 16931 names it."""
    category = invoice.tax_category or TaxCategory.STANDARD.value
    if category == TaxCategory.STANDARD and invoice.tax_rate_bp == 0:
        category = ZERO_RATED
    code, reason = EXEMPTIONS.get(category, ("", ""))
    return Tax(category, invoice.tax_rate_bp, code, reason)


def split(invoice_lines: list[InvoiceLine]) -> tuple[list[Line], list[Allowance]]:
    """The lines (zero or more) and the discounts, which become document-level allowances (above)."""
    lines, allowances = [], []
    for line in invoice_lines:
        if line.amount < 0:
            allowances.append(Allowance(line.description, -line.amount, line.basis))
            continue
        lines.append(
            Line(
                number=len(lines) + 1,
                name=line.description,
                quantity=line.quantity,
                unit_price=line.unit_amount,
                net=line.amount,
                start=day(line.period_start),
                end=day(line.period_end),
            )
        )
    return lines, allowances


def totals_of(invoice: Invoice, lines: list[Line], allowances: list[Allowance]) -> Totals:
    """The document totals (BG-22). Nothing is prepaid when the invoice is issued — a card invoice is
    charged after — so the amount due is the total; the Invoices page says when it is paid."""
    return Totals(
        lines=sum(line.net for line in lines),
        allowances=sum(allowance.amount for allowance in allowances),
        tax_basis=invoice.subtotal,
        tax=invoice.tax,
        grand=invoice.total,
        due=invoice.total,
    )
