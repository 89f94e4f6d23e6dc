"""R8.9: the VAT an invoice carries, decided at finalization from the seller (an Irish company in the
settings) and the buyer — every case to the cent — and the buyer's country and VAT number as the forms take
them."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from accounts.countries import country_choices, vat_number_problem
from accounts.models import Account
from billing import tax
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from billing.tax import Party, TaxCategory, decide
from tests.helpers import NOW

INVOICES = "/admin/account/billing/invoices/"

IRISH_SELLER = Party("IE", "IE1234567T")
S, AE, G = TaxCategory.STANDARD, TaxCategory.REVERSE_CHARGE, TaxCategory.EXPORT


@pytest.mark.parametrize(
    ("buyer", "category", "rate_bp"),
    [
        (Party("IE", "IE1234567T", True), S, 2300),  # domestic: the seller's rate, business or not
        (Party("IE", "", False), S, 2300),
        (Party("FR", "FR44732829320", True), AE, 0),  # EU business with a VAT number: reverse charge
        (Party("FR", "", True), S, 2000),  # EU business without one: taxed like a consumer, in France
        (Party("FR", "FR44732829320", False), S, 2000),  # a consumer's number does not make it B2B
        (Party("GR", "", False), S, 2400),  # the buyer country's rate
        (Party("FI", "", False), S, 2550),
        (Party("HU", "", False), S, 2700),
        (Party("US", "", True), G, 0),  # outside the EU: no VAT, "export"
        (Party("GB", "GB980780684", True), G, 0),
        (Party("CH", "", False), G, 0),
        (Party("", "", True), S, 2300),  # no country: domestic, as nothing proves a supply abroad
    ],
)
def test_r8_9_the_tax_decision_for_an_irish_seller(buyer, category, rate_bp):
    assert (decide(IRISH_SELLER, buyer).category, decide(IRISH_SELLER, buyer).rate_bp) == (category, rate_bp)


@pytest.mark.parametrize(
    ("buyer", "category", "rate_bp"),
    [(Party("GB"), S, 2000), (Party("FR", "FR44732829320"), G, 0), (Party("US"), G, 0)],
)
def test_r8_9_a_seller_outside_the_eu_charges_its_own_rate_at_home_only(buyer, category, rate_bp):
    decision = decide(Party("GB", "GB980780684"), buyer)
    assert (decision.category, decision.rate_bp) == (category, rate_bp)


def finalized(account: Account, **buyer) -> object:
    Account.objects.filter(pk=account.pk).update(**buyer)
    account.refresh_from_db()
    lines = [LineSpec("Support Professional · agent seat", 6900, 3), LineSpec("Promotion", -2070)]
    return invoice_finalize(invoice=invoice_draft(account=account, lines=lines, now=NOW), now=NOW)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(
    ("buyer", "figures"),
    [
        # 18,630 of subtotal each time; VAT rounded half up to the cent.
        ({"billing_country": "IE", "vat_number": ""}, (18_630, 2300, 4285, 22_915, "S")),  # 4,284.90
        (
            {"billing_country": "FR", "vat_number": "", "is_business": False},
            (18_630, 2000, 3726, 22_356, "S"),
        ),
        (
            {"billing_country": "FI", "vat_number": "", "is_business": False},
            (18_630, 2550, 4751, 23_381, "S"),
        ),
        (
            {"billing_country": "HU", "vat_number": "", "is_business": False},
            (18_630, 2700, 5030, 23_660, "S"),
        ),
        ({"billing_country": "FR", "vat_number": "FR44732829320"}, (18_630, 0, 0, 18_630, "AE")),
        ({"billing_country": "US", "vat_number": ""}, (18_630, 0, 0, 18_630, "G")),
    ],
)
def test_r8_9_finalizing_decides_and_keeps_the_tax_to_the_cent(buyer, figures):
    invoice = finalized(Account.objects.get(name="Acme Self-Service"), **buyer)
    got = (invoice.subtotal, invoice.tax_rate_bp, invoice.tax, invoice.total, invoice.tax_category)
    assert got == figures


@pytest.mark.usefixtures("demo")
def test_r8_9_the_invoice_keeps_the_seller_and_buyer_it_was_issued_with():
    account = Account.objects.get(name="Legacy Suite SARL")
    invoice = finalized(account)
    assert (invoice.seller_country, invoice.seller_vat_number, invoice.seller_iban) == (
        "IE",
        "IE1234567T",
        "IE29AIBK93115212345678",
    )
    assert (invoice.buyer_country, invoice.buyer_vat_number, invoice.buyer_is_business) == (
        "FR",
        "FR44732829320",
        True,
    )
    with override_settings(
        INVOICE_SELLER_VAT_NUMBER="IE9999999W", INVOICE_SELLER_IBAN="DE89370400440532013000"
    ):
        later = finalized(account)
        invoice.refresh_from_db()
    assert invoice.seller_vat_number == "IE1234567T" and later.seller_vat_number == "IE9999999W"


@pytest.mark.usefixtures("demo")
def test_r8_9_the_next_invoice_shows_the_tax_the_renewal_will_charge(sign_in):
    """The upcoming invoice decides the tax as finalization will (billing.selectors.upcoming)."""
    account = Account.objects.get(name="Acme Self-Service")
    Account.objects.filter(pk=account.pk).update(billing_country="DE", is_business=False)
    page = sign_in("owner@acme.test").get("/admin/account/billing/subscription/").content.decode()
    assert "Tax (19 %)" in page  # a German consumer: German VAT
    assert tax.decision_for(Account.objects.get(pk=account.pk)).rate_bp == 1900


# --- The buyer's country and VAT number ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "number", "problem"),
    [
        ("FR", "FR44732829320", None),
        ("GR", "EL094259216", None),  # Greece's numbers start with EL
        ("GR", "GR094259216", "starts with EL"),
        ("FR", "DE123456788", "starts with FR"),
        ("FR", "FR44732829321", "not a valid VAT number"),  # one digit off
        ("GB", "GB980780684", None),
        ("GB", "GB980780685", "not a valid VAT number"),
        ("US", "12-3456789", None),  # no known format: kept as typed
        ("", "FR44732829320", "Choose the country first"),
    ],
)
def test_r8_9_vat_numbers_are_checked_against_the_country(country, number, problem):
    found = vat_number_problem(country, number)
    assert (found is None) if problem is None else (problem in str(found))


def test_r8_9_countries_are_the_249_of_iso_3166_named_in_the_readers_language():
    english, french = dict(country_choices("en")), dict(country_choices("fr"))
    assert len(english) == len(french) == 249
    assert (english["DE"], french["DE"], french["GB"]) == ("Germany", "Allemagne", "Royaume-Uni")
    assert "EU" not in english and "ZZ" not in english
    names = [name for _code, name in country_choices("fr")]
    assert names.index("Égypte") < names.index("Équateur") < names.index("Érythrée") < names.index("Espagne")


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("country", ["Un", "United Kingdom", "uk", "XK", "EU"])
def test_r8_9_a_country_outside_the_list_is_refused_and_changes_nothing(sign_in, country):
    """The "Un" printed on an invoice for "United Kingdom": only a code from the list is accepted."""
    client = sign_in("owner@acme.test")
    fields = {"billing_name": "Acme", "billing_address": "1 Market Street", "billing_country": country}
    response = client.post(INVOICES + "billing-address/", {**fields, "vat_number": "", "is_business": "True"})
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    assert Account.objects.get(name="Acme Self-Service").billing_country == "US"


@pytest.mark.usefixtures("demo")
def test_r8_9_a_vat_number_of_another_country_is_refused_with_its_reason(sign_in):
    client = sign_in("owner@acme.test")
    response = client.post(
        INVOICES + "billing-address/",
        {
            "billing_name": "Acme SAS",
            "billing_address": "1 rue de Rivoli",
            "billing_country": "FR",
            "vat_number": "DE123456788",
            "is_business": "True",
        },
    )
    assert (
        response.status_code == 422
        and "A VAT number from this country starts with FR." in response.content.decode()
    )
    assert Account.objects.get(name="Acme Self-Service").vat_number == ""


def test_r8_9_the_model_refuses_a_country_code_outside_iso_3166():
    with pytest.raises(ValidationError):
        Account(name="X", kind="self_service", billing_country="Un", created_on=NOW.date()).clean()
