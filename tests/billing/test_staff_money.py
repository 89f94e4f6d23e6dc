"""R10.1 in the staff console: money reads in its currency ("£61,920.00"), never in minor units, and staff
type amounts in the currency ("69.00"), stored in minor units."""

import re

import pytest
from django.urls import reverse

from accounts.models import Account
from billing.models import BillingEvent, ContractTerms, Coupon, Invoice, PaymentAttempt, Price
from tests.helpers import admin_change_data, new_events, text

pytestmark = pytest.mark.usefixtures("demo")


def url(model, action="changelist", *args):
    return reverse(f"admin:billing_{model._meta.model_name}_{action}", args=args)


def cells(response) -> str:
    return text(response).replace("\u202f", " ")


def test_r10_1_the_staff_invoice_list_shows_money_in_its_currency(sign_in):
    page = cells(sign_in("support@staff.test").get(url(Invoice) + "?q=INV-0004"))
    assert "£61,920.00" in page and "6192000" not in page


def test_r10_1_an_invoice_page_shows_its_totals_and_lines_in_its_currency(sign_in):
    invoice = Invoice.objects.get(account__name="Online Assisted Ltd", status="open")
    page = cells(sign_in("support@staff.test").get(url(Invoice, "change", invoice.pk)))
    assert "Subtotal: £61,920.00" in page and "Tax: £0.00" in page and "Total: £61,920.00" in page
    assert "£1,200.00 £60,000.00" in page  # a line: unit amount, amount
    assert "6192000" not in page and "120000" not in page


@pytest.mark.parametrize(
    ("model", "query", "shown", "raw"),
    [
        (PaymentAttempt, "?q=Acme", "$1,100.70", ">110070<"),
        (BillingEvent, "?q=Acme", "$1,100.70", ">110070<"),
        (Price, "?currency__exact=GBP&product__id__exact={support}", "£25.00", ">2500<"),
        (Coupon, "", "—", ">None<"),
    ],
    ids=["payment attempts", "billing events", "prices", "coupons"],
)
def test_r10_1_every_staff_list_shows_money_in_its_currency(sign_in, model, query, shown, raw):
    support = Price.objects.filter(product__code="support").values_list("product_id", flat=True).first()
    response = sign_in("root@staff.test").get(url(model) + query.format(support=support))
    assert shown in cells(response) and raw not in response.content.decode()


def test_r10_1_a_coupon_amount_reads_in_its_currency(sign_in):
    Coupon.objects.create(code="ten-off", name="Ten off", amount_off=1000, currency="EUR")
    assert "€10.00" in cells(sign_in("root@staff.test").get(url(Coupon)))


def change(client, model, obj, **values):
    response = client.get(url(model, "change", obj.pk))
    return client.post(url(model, "change", obj.pk), {**admin_change_data(response), **values})


def test_r10_1_staff_type_a_price_in_its_currency(sign_in):
    price = Price.objects.get(product__code="support", edition="team", cycle="monthly", currency="GBP")
    root = sign_in("root@staff.test")
    form = root.get(url(Price, "change", price.pk)).content.decode()
    assert re.search(r'name="unit_amount"[^>]*value="25.00"', form)
    assert change(root, Price, price, unit_amount="26.50").status_code == 302
    price.refresh_from_db()
    assert price.unit_amount == 2650
    refused = change(root, Price, price, unit_amount="26.505")
    assert refused.status_code == 200 and "GBP amounts have at most 2 decimals." in text(refused)
    assert Price.objects.get(pk=price.pk).unit_amount == 2650


def test_r10_1_a_price_in_a_zero_decimal_currency_has_no_decimals(sign_in):
    price = Price.objects.get(product__code="support", edition="team", cycle="monthly", currency="USD")
    root = sign_in("root@staff.test")
    refused = change(root, Price, price, currency="JPY", unit_amount="3000.5")
    assert "JPY amounts have no decimals." in text(refused)
    assert change(root, Price, price, currency="JPY", unit_amount="3,000").status_code == 302
    assert Price.objects.get(pk=price.pk).unit_amount == 3000


def test_r10_1_a_coupon_amount_off_is_typed_in_the_coupons_currency(sign_in):
    root = sign_in("root@staff.test")
    data = {"code": "fifty", "name": "Fifty off", "kind": "coupon", "percent_off_bp": "", "currency": "EUR"}
    assert root.post(url(Coupon, "add"), {**data, "amount_off": "50.00"}).status_code == 302
    assert Coupon.objects.get(code="fifty").amount_off == 5000
    refused = root.post(url(Coupon, "add"), {**data, "code": "x", "currency": "", "amount_off": "5"})
    assert "Enter the currency of the amount first." in text(refused)


def test_r10_1_a_contracts_early_termination_fee_is_in_the_accounts_currency(sign_in):
    account = Account.objects.get(name="Online Assisted Ltd")  # GBP, a fee of 100000 minor units
    client = sign_in("support@staff.test")
    page = client.get(reverse("admin:accounts_account_change", args=[account.pk]))
    assert re.search(r'name="contract-0-early_termination_fee"[^>]*value="1000.00"', page.content.decode())
    data = {**admin_change_data(page), "contract-0-early_termination_fee": "1,500.00"}
    response = client.post(reverse("admin:accounts_account_change", args=[account.pk]), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert ContractTerms.objects.get(account=account).early_termination_fee == 150_000
    event = new_events().get(kind="staff_edit")
    assert event.before == {"early_termination_fee": 100_000}
    assert event.after == {"early_termination_fee": 150_000}  # the history keeps minor units, both sides


def test_r10_1_an_untouched_fee_is_not_a_change(sign_in):
    account = Account.objects.get(name="Online Assisted Ltd")
    client = sign_in("support@staff.test")
    page = client.get(reverse("admin:accounts_account_change", args=[account.pk]))
    response = client.post(
        reverse("admin:accounts_account_change", args=[account.pk]), admin_change_data(page)
    )
    assert response.status_code == 302
    assert not new_events().filter(kind="staff_edit").exists()


@pytest.mark.parametrize("model", [PaymentAttempt, BillingEvent], ids=["payment attempt", "billing event"])
def test_r10_1_a_read_only_record_shows_its_amount_in_its_currency(sign_in, model):
    record = model.objects.filter(account__name="Acme Self-Service", amount=110_070).first()
    page = cells(sign_in("support@staff.test").get(url(model, "change", record.pk)))
    assert "$1,100.70" in page and "110070" not in page
