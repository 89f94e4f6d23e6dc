"""R5.9 in real Chromium: the owner cancels a product, sees it scheduled, and keeps it from the banner."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_r5_9_owner_removes_talk_then_keeps_the_subscription_from_the_banner(signed_in_page, screenshot):
    page = signed_in_page("owner@acme.test")
    before = page.get_by_test_id("next-invoice-total").inner_text()
    page.get_by_role("link", name="Manage").click()
    page.get_by_role("link", name="Remove products or cancel account").click()
    page.locator('[data-testid="candidates"] tr[data-product="talk"]').get_by_role(
        "button", name="Remove"
    ).click()
    expect(page.get_by_test_id("summary")).to_contain_text("Talk Team")
    page.get_by_test_id("continue").click()
    page.wait_for_load_state()
    page.get_by_label("Why are you cancelling?").select_option("too_expensive")
    page.get_by_role("button", name="Confirm cancellations").click()
    page.get_by_test_id("confirm-removal-dialog").get_by_role("button", name="Yes, remove them").click()
    expect(page).to_have_url(re.compile(r"/subscription/$"))
    banner = page.get_by_test_id("removal-banner")
    expect(banner).to_contain_text("Talk ends on")
    expect(page.locator('tr[data-product="talk"] [data-testid="ends-on"]')).to_contain_text("Ends on")
    expect(page.get_by_test_id("next-invoice-total")).not_to_have_text(before)
    screenshot("subscription-acme-removal-banner")
    banner.get_by_role("button", name="Keep my subscription").click()
    expect(page).to_have_url(re.compile(r"/subscription/$"))
    expect(page.locator(".messages")).to_contain_text("Your subscription is kept")
    expect(page.get_by_test_id("removal-banner")).to_have_count(0)
    expect(page.locator('tr[data-product="talk"] [data-testid="ends-on"]')).to_have_count(0)
    expect(page.get_by_test_id("next-invoice-total")).to_have_text(before)
