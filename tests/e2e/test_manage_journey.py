"""R6 in real Chromium: Acme's owner adds 3 seats and upgrades Guide, each previewed in place (htmx)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_acme_owner_adds_three_seats_and_upgrades_guide(signed_in_page, screenshot):
    page = signed_in_page("owner@acme.test")
    page.get_by_role("link", name="Manage").click()
    seats = page.get_by_test_id("seats-section").locator('tr[data-line="support"]')
    seats.get_by_label("Seats to add to Support").fill("3")
    seats.get_by_role("button", name="Add seats").click()
    preview = page.get_by_test_id("preview")
    expect(preview.get_by_test_id("preview-what")).to_have_text("Add 3 agent seats to Support")
    expect(preview.get_by_test_id("total-after")).to_contain_text("$1,287.00")
    expect(preview.get_by_test_id("charge-now")).to_contain_text(re.compile(r"\$\d+\.\d\d"))
    screenshot("manage-acme-add-seats-preview")
    charged = preview.get_by_test_id("charge-now").inner_text().split()[0]
    preview.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text(f"Change confirmed. {charged} is charged now.")
    expect(page.get_by_test_id("seats-section").locator('tr[data-line="support"]')).to_contain_text("15")

    guide = page.get_by_test_id("editions-section").locator('tr[data-line="guide"]')
    guide.get_by_label("New edition of Guide").select_option("enterprise")
    guide.get_by_role("button", name="Change edition").click()
    expect(page.get_by_test_id("preview-what")).to_have_text("Change Guide to Enterprise")
    expect(page.get_by_test_id("preview")).to_contain_text("Now")
    screenshot("manage-acme-upgrade-guide-preview")
    page.get_by_test_id("preview").get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Change confirmed.")
    screenshot("manage-acme-after-changes")
    page.get_by_role("link", name="Subscription").first.click()
    expect(page.locator('tr[data-product="guide"]')).to_contain_text("Enterprise")
    expect(page.locator('tr[data-product="support"]')).to_contain_text("15 agent seats")
