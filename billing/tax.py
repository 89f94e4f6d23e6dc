"""The VAT an invoice carries (R8.9), decided when it is finalized from the seller (settings) and the buyer
(the account): pure rules over plain values, so the upcoming invoice and the issued one decide alike.

- Seller and buyer in the same country: the seller country's standard rate.
- An EU seller, a business buyer in another member state with a VAT number: no VAT, reverse charge (the
  buyer accounts for it, Council Directive 2006/112/EC, articles 44 and 196).
- An EU seller, a consumer (or a business without a VAT number) in another member state: the buyer
  country's rate (electronically supplied services are taxed where the consumer is, article 58).
- A buyer outside the EU: no VAT, services supplied outside the EU ("export").
A seller outside the EU charges its own rate at home and no VAT elsewhere (this product's sellers are EU
companies; docs/invoices.md).

Rates are the standard ones, in basis points, as published by the European Commission ("VAT rates applied
in the Member States of the European Union", taxation_customs.ec.europa.eu) and in force on 1 September
2025 — Finland 25.5 % since 1 Sept 2024, Slovakia 23 % since 1 Jan 2025, Estonia 24 % since 1 July 2025,
Romania 21 % since 1 Aug 2025 — plus the United Kingdom (HMRC), Switzerland (ESTV, 2024) and Norway
(Skatteetaten) for sellers established there. A change of rate is a change of this table, and applies to
invoices finalized after it: issued invoices keep the rate they were issued with."""

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

from accounts.countries import EU_MEMBER_STATES
from accounts.models import Account

STANDARD_RATES_BP = {
    "AT": 2000, "BE": 2100, "BG": 2000, "CY": 1900, "CZ": 2100, "DE": 1900, "DK": 2500, "EE": 2400,
    "ES": 2100, "FI": 2550, "FR": 2000, "GR": 2400, "HR": 2500, "HU": 2700, "IE": 2300, "IT": 2200,
    "LT": 2100, "LU": 1700, "LV": 2100, "MT": 1800, "NL": 2100, "PL": 2300, "PT": 2300, "RO": 2100,
    "SE": 2500, "SI": 2200, "SK": 2300,
    "GB": 2000, "CH": 810, "NO": 2500,
}  # fmt: skip


class TaxCategory(StrEnum):
    """EN 16931's VAT category codes (UNTDID 5305), which Factur-X carries as they are."""

    STANDARD = "S"
    REVERSE_CHARGE = "AE"
    EXPORT = "G"


@dataclass(frozen=True)
class Party:
    country: str  # ISO 3166-1 alpha-2; "" when unknown
    vat_number: str = ""
    is_business: bool = True


@dataclass(frozen=True)
class TaxDecision:
    category: TaxCategory
    rate_bp: int
    country: str  # whose rate applies ("" when none does)

    @property
    def percent(self) -> str:
        return f"{self.rate_bp / 100:g}"


def decide(seller: Party, buyer: Party) -> TaxDecision:
    """The rules above, in their order. A buyer without a country is taxed as a domestic one: the seller
    cannot prove a supply abroad without knowing where the buyer is."""
    buyer_country = buyer.country or seller.country
    if buyer_country == seller.country:
        return _standard(seller.country)
    if seller.country not in EU_MEMBER_STATES or buyer_country not in EU_MEMBER_STATES:
        return TaxDecision(TaxCategory.EXPORT, 0, "")
    if buyer.is_business and buyer.vat_number:
        return TaxDecision(TaxCategory.REVERSE_CHARGE, 0, "")
    return _standard(buyer_country)


def _standard(country: str) -> TaxDecision:
    return TaxDecision(TaxCategory.STANDARD, STANDARD_RATES_BP.get(country, 0), country)


def seller() -> Party:
    return Party(settings.INVOICE_SELLER_COUNTRY, settings.INVOICE_SELLER_VAT_NUMBER, True)


def buyer(account: Account) -> Party:
    return Party(account.billing_country, account.vat_number, account.is_business)


def decision_for(account: Account) -> TaxDecision:
    """What an invoice finalized now for `account` is taxed at."""
    return decide(seller(), buyer(account))
