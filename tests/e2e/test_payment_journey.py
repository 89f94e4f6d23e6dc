"""R8.1, R8.4 in real Chromium: Acme's owner updates the card, then downloads an invoice."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_acme_owner_updates_the_card_and_downloads_an_invoice(signed_in_page, screenshot):
    page = signed_in_page("owner@acme.test")
    page.get_by_role("link", name="Payment").click()
    expect(page.get_by_test_id("authorization-note")).to_contain_text("temporary authorization of $1.00")
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_label("Expiry month").fill("11")
    page.get_by_label("Expiry year").fill("2031")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_role("alert")).to_contain_text("The card was declined")
    screenshot("payment-acme-declined")
    page.get_by_label("Card number").fill("5555 5555 5555 4444")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_test_id("card-on-file")).to_contain_text("Mastercard ending in 4444")
    expect(page.get_by_role("status")).to_contain_text("never charged")
    screenshot("payment-acme-updated")

    page.get_by_role("link", name="Invoices").click()
    expect(page.get_by_test_id("invoices")).to_contain_text("$1,100.70")
    screenshot("invoices-acme")
    with page.expect_download() as download:
        page.get_by_test_id("invoices").get_by_role("link", name=re.compile("Download PDF")).first.click()
    path = Path(download.value.path())
    assert download.value.suggested_filename.endswith(".pdf")
    assert path.read_bytes().startswith(b"%PDF")
