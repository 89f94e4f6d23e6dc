"""R12.1, R8.7 in real Chromium: Acme's renewal was held by the bank (strong customer authentication); the
owner confirms it on the Payment page through Stripe.js — localstripe's stand-in, whose bank window says
"Complete authentication" — and comes back to a paid invoice."""

import pytest
from playwright.sync_api import expect

from billing.models import DunningCase, Invoice
from billing.services.collection import attempts_send
from tests.stripe_billing import ASKS_THE_BANK, PAYMENT, on_stripe

pytestmark = pytest.mark.e2e


def test_the_owner_confirms_a_held_payment_with_stripe_js(
    signed_in_page, live_server, localstripe, settings, monkeypatch
):
    acme = on_stripe(settings, monkeypatch, localstripe)
    # The policy a Stripe deployment gets (config/settings.py), with localstripe as Stripe.js and the API.
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {
            **directives,
            "script-src": [*directives["script-src"], localstripe],
            "frame-src": ["'self'", localstripe],
            "connect-src": [*directives["connect-src"], localstripe],
        }
    }
    acme.card(ASKS_THE_BANK)
    invoice = acme.open_invoice()
    attempts_send([acme.charge_intent(invoice)])

    page = signed_in_page("owner@acme.test")
    page.goto(live_server.url + PAYMENT)
    page.wait_for_load_state()
    confirmation = page.get_by_test_id("payment-confirmation")
    expect(confirmation).to_contain_text(f"confirm the payment of $42.00 for invoice {invoice.number}")
    confirmation.get_by_role("button", name="Confirm the payment").click()
    page.get_by_role("button", name="Complete authentication").click()  # the bank's window
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text(
        f"Payment confirmed: invoice {invoice.number} is paid."
    )
    expect(page.get_by_test_id("payment-confirmation")).to_have_count(0)
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
    assert DunningCase.objects.get(invoice=invoice).status == DunningCase.Status.RECOVERED
