"""R10.1 in Chromium: the EN/FR switch keeps a signed-in person's choice on their user — their next sign-in,
from a fresh browser, opens in it — and a visitor's in a cookie."""

import pytest
from playwright.sync_api import expect

from accounts.models import User

pytestmark = pytest.mark.e2e
SUBSCRIPTION = "/admin/account/billing/subscription/"


def test_r10_1_the_switch_is_kept_for_the_next_sign_in(signed_in_page, live_server):
    page = signed_in_page("owner@acme.test")
    page.goto(live_server.url + SUBSCRIPTION)
    page.locator(".language-switch button[value=fr]").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.url.endswith(SUBSCRIPTION)  # back where the switch was used
    assert User.objects.get(email="owner@acme.test").language == "fr"

    page = signed_in_page("owner@acme.test")  # cookies cleared: a new browser, signing in in English
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_r10_1_a_visitor_switches_the_sign_in_page(page, live_server, demo):
    page.goto(f"{live_server.url}/login/")
    page.locator(".language-switch button[value=fr]").click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    assert not User.objects.exclude(language="").exists()
