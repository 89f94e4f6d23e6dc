"""In real Chromium: three demo users sign in and see what their role and account type allow (R2, R3)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_owner_of_a_self_service_account_sees_costs_and_manage(signed_in_page, screenshot):
    page = signed_in_page("owner@acme.test")
    expect(page).to_have_url(re.compile(r"/admin/account/billing/subscription/$"))
    expect(page.get_by_role("heading", name="Subscription", exact=True)).to_be_visible()
    expect(page.get_by_test_id("account-name")).to_have_text("Acme Self-Service")
    expect(page.get_by_role("link", name="Manage")).to_be_visible()
    expect(page.get_by_test_id("total")).to_have_text("$1,100.70")
    expect(page.get_by_test_id("temporary-seats")).to_contain_text("+ 5 temporary seats until")
    screenshot("subscription-acme-owner")
    page.get_by_role("link", name="Manage").click()
    expect(page.get_by_role("link", name="Remove products or cancel account")).to_be_visible()
    screenshot("manage-acme-owner")


def test_admin_of_an_online_assisted_account_requests_a_change_in_place(signed_in_page, screenshot):
    page = signed_in_page("admin@assisted.test")
    expect(page.get_by_role("link", name="Manage")).to_have_count(0)
    expect(page.get_by_test_id("costs")).to_have_count(0)
    page.get_by_test_id("request-change").click()
    page.get_by_label("What should change?").fill("Add 10 agent seats")
    page.get_by_label("Why?").fill("A new team starts in January")
    url_before = page.url
    page.get_by_role("button", name="Send the request").click()
    # htmx swaps the panel in place: the new request and its status appear without a page load.
    expect(page.get_by_test_id("change-requests")).to_contain_text("Add 10 agent seats")
    expect(page.get_by_test_id("change-requests")).to_contain_text("Pending")
    assert page.url == url_before
    expect(page.get_by_label("What should change?")).to_have_value("")
    screenshot("subscription-assisted-admin-request")


def test_agent_is_refused_billing_with_an_explanation_and_french_owner_sees_french(
    signed_in_page, screenshot, live_server
):
    page = signed_in_page("agent@acme.test")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto(f"{live_server.url}/admin/account/billing/subscription/")
    expect(page.get_by_test_id("forbidden")).to_contain_text("Agents do not have access to billing")
    screenshot("subscription-acme-agent-403")
    page.get_by_role("link", name="Back to the Admin Center").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page = signed_in_page("owner@legacy-suite.test")
    expect(page.get_by_role("heading", name="Abonnement", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Gérer")).to_be_visible()
    expect(page.get_by_role("link", name="Résiliations")).to_be_visible()
    screenshot("subscription-legacy-owner-fr")
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("heading", name="Subscription", exact=True)).to_be_visible()


def test_layout_holds_at_mobile_width(signed_in_page, screenshot, page):
    page.set_viewport_size({"width": 375, "height": 800})
    signed_in_page("owner@acme.test")
    expect(page.get_by_test_id("total")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot("subscription-acme-owner-mobile")
