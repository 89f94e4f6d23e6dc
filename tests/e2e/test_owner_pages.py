"""The owner's pages in real Chromium (issue 19): the confirmation dialog waits for a valid form (R5.6), a
billing contact is removed only once confirmed (R8.3), and at 375 px the navigation folds into a menu that
leaves the page's heading and the account's name in the first screenful (R3)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

BILLING = "/admin/account/billing"
PHONE = {"width": 375, "height": 812}


def test_r5_6_the_dialog_opens_only_once_the_form_is_valid(signed_in_page, live_server):
    page = signed_in_page("owner@acme.test")
    page.goto(f"{live_server.url}{BILLING}/cancellations/account/survey/")
    page.wait_for_load_state()  # static/js/confirm.js is in place
    dialog = page.get_by_test_id("confirm-account-dialog")
    page.get_by_role("button", name="Confirm the account cancellation").click()
    # Nothing chosen: no dialog; the server's answer lists what to fix, each linking to its field.
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Why are you cancelling? — This field is required.")
    expect(summary).to_contain_text("I have exported my data, or I do not need it — This field is required.")
    expect(dialog).to_be_hidden()
    page.wait_for_load_state()
    expect(summary).to_be_focused()  # however far down the form is
    summary.get_by_role("link", name=re.compile("^I have exported")).click()
    expect(page.get_by_label("I have exported my data, or I do not need it")).to_be_focused()
    page.get_by_label("I have exported my data, or I do not need it").check()
    page.get_by_role("button", name="Confirm the account cancellation").click()
    expect(dialog).to_be_hidden()  # the reason is still missing: checked in the browser, sent to the server
    expect(page.get_by_test_id("error-summary")).to_contain_text("Why are you cancelling?")
    page.wait_for_load_state()
    page.get_by_label("I have exported my data, or I do not need it").check()
    page.get_by_label("Why are you cancelling?").select_option("closing")
    page.get_by_role("button", name="Confirm the account cancellation").click()
    expect(dialog).to_be_visible()  # valid: now, and only now, it asks
    dialog.get_by_role("button", name="Yes, cancel the account").click()
    expect(page.get_by_test_id("cancellation-banner")).to_contain_text("This account is cancelled from")


def test_r8_3_a_billing_contact_is_removed_only_once_confirmed(signed_in_page, screenshot):
    page = signed_in_page("owner@acme.test")
    page.get_by_role("link", name="Billing contacts").click()
    contacts = page.get_by_test_id("contacts")
    contacts.get_by_role("link", name="Remove accounting@acme.test").click()
    expect(page.get_by_role("heading", name="Remove a billing contact")).to_be_visible()
    screenshot("contact-remove-confirmation")
    page.get_by_role("link", name="Go back").click()
    expect(contacts).to_contain_text("accounting@acme.test")  # going back removed nobody
    contacts.get_by_role("link", name="Remove accounting@acme.test").click()
    page.get_by_role("button", name="Yes, remove accounting@acme.test").click()
    expect(page.get_by_role("status")).to_have_text("accounting@acme.test is no longer a billing contact.")
    expect(contacts).not_to_contain_text("accounting@acme.test")


@pytest.mark.parametrize("path", ["/admin/", f"{BILLING}/subscription/", f"{BILLING}/payment/"])
def test_r3_at_375_px_the_heading_and_the_account_name_are_in_the_first_screenful(
    signed_in_page, live_server, path
):
    page = signed_in_page("owner@acme.test")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state()
    heading = page.locator("main h1").first
    assert heading.bounding_box()["y"] < 200
    account = page.get_by_test_id("account-name")
    expect(account).to_be_visible()
    box = account.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] and box["x"] + box["width"] <= PHONE["width"]
    expect(page.locator("nav.sidebar")).to_be_hidden()
    menu = page.get_by_test_id("nav-compact")
    expect(menu.get_by_role("link", name="Invoices")).to_be_hidden()  # folded until asked
    menu.get_by_text("Menu").click()  # a <details>: no script involved
    menu.get_by_role("link", name="Invoices").click()
    expect(page).to_have_url(re.compile(r"/invoices/$"))


def test_r3_on_a_wide_screen_the_sidebar_shows_and_the_menu_does_not(signed_in_page):
    page = signed_in_page("owner@acme.test")
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator("nav.sidebar")).to_be_visible()
    expect(page.get_by_test_id("nav-compact")).to_be_hidden()
    expect(page.get_by_test_id("account-name")).to_be_visible()
