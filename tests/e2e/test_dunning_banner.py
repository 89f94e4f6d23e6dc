"""R8.5 in real Chromium: on Past Due Chat (D+5 on its test clock), the owner and admins see the
failed-payment banner, agents do not yet."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_past_due_chat_banner_by_role(signed_in_page, screenshot, live_server):
    page = signed_in_page("owner@pastdue.test")
    banner = page.get_by_test_id("dunning-banner")
    expect(banner).to_contain_text("The payment of $200.00 failed")
    screenshot("dunning-pastdue-owner")
    banner.get_by_role("link", name="Update the card").click()
    expect(page.get_by_role("heading", name="Payment", exact=True)).to_be_visible()

    page = signed_in_page("admin@pastdue.test")
    expect(page.get_by_test_id("dunning-banner")).to_contain_text("Unless the account owner updates the card")
    screenshot("dunning-pastdue-admin")

    page = signed_in_page("agent@pastdue.test")
    expect(page.get_by_role("heading", name="Admin Center")).to_be_visible()
    expect(page.get_by_test_id("dunning-banner")).to_have_count(0)
