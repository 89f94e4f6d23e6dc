"""R12.1, R8.4 in real Chromium: under PAYMENT_PROVIDER=stripe, Acme's owner types the card into Stripe's
field (Elements, drawn by localstripe's stand-in for Stripe.js v3), saves it, and the card on file is the
new one — the number went from the browser to Stripe, never through our server."""

import pytest
from playwright.sync_api import expect

from billing.models import PaymentAttempt, PaymentMethod
from tests.e2e.conftest import AXE

pytestmark = pytest.mark.e2e


def serious_axe_violations(page) -> list[str]:
    """axe-core on the page (as tests/e2e/test_accessibility.py runs it), but for the inside of the card
    field: there localstripe's stand-in draws bare inputs, where Stripe draws its own labelled iframe."""
    page.evaluate(AXE.read_text() + "\n;0")
    result = page.evaluate("() => axe.run({exclude: [['[data-card-field]']]}, {resultTypes: ['violations']})")
    return [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]


def type_card(page, number: str) -> None:
    """The card typed into the field, then "Save card". localstripe's stand-in draws plain inputs named by
    their placeholders (Stripe's own field is an iframe) and sends the number as typed, hence no spaces."""
    field = page.get_by_test_id("card-field")
    field.get_by_placeholder("number").fill(number)
    field.get_by_placeholder("exp_month").fill("11")
    field.get_by_placeholder("exp_year").fill("31")
    field.get_by_placeholder("cvc").fill("123")
    field.get_by_placeholder("postal_code").fill("75001")
    page.get_by_role("button", name="Save card").click()


def test_r12_1_r8_4_the_owner_saves_a_card_typed_into_stripes_field(
    stripe_chosen, signed_in_page, screenshot
):
    page = signed_in_page("owner@acme.test")
    posted = []
    page.on("request", lambda request: posted.append(request) if request.method == "POST" else None)
    page.get_by_role("link", name="Payment").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("needs-javascript")).to_be_hidden()
    assert serious_axe_violations(page) == []
    type_card(page, "4000000000000002")  # refused by Stripe itself: its words, and nothing is sent to us
    expect(page.get_by_test_id("card-field-error")).to_contain_text("Your card was declined.")
    type_card(page, "4000000000000341")  # accepted by Stripe, declined by our one-unit check
    expect(page.get_by_role("alert")).to_contain_text("The card was declined. Try another card.")
    screenshot("payment-stripe-declined")
    type_card(page, "4242424242424242")
    expect(page.get_by_test_id("card-on-file")).to_contain_text("Visa ending in 4242")
    expect(page.get_by_role("status")).to_contain_text("never charged")
    screenshot("payment-stripe-updated")

    card = PaymentMethod.objects.get(account__name="Acme Self-Service")
    assert (card.exp_month, card.exp_year) == (11, 2031) and card.gateway_token.startswith("pm_")
    checks = PaymentAttempt.objects.filter(account=card.account, operation__in=["authorize", "void"])
    assert sorted(checks.values_list("operation", "status")) == [
        ("authorize", "failed"),  # 4000 0000 0000 0341
        ("authorize", "succeeded"),
        ("void", "succeeded"),
    ]
    ours = [request for request in posted if request.url.startswith(page.url.split("/admin/")[0])]
    typed = ("4000000000000002", "4000000000000341", "4242424242424242")
    assert ours and not any(number in (request.post_data or "") for request in ours for number in typed)
