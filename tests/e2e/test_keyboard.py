"""R4 and R5 with the keyboard only: from the Subscription page to a confirmed product removal, and to a
cancelled account, without the mouse; every stop of the focus visibly marked, each confirmation asked in a
<dialog> that keeps the focus."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

FOCUS_IS_VISIBLE = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.boxShadow !== 'none' || (style.outlineStyle !== 'none' && style.outlineWidth !== '0px');
}"""


def tab_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the focus is on `selector`; every element met on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement === document.body"):
            continue
        assert page.evaluate(FOCUS_IS_VISIBLE), page.evaluate("() => document.activeElement.outerHTML")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def keyboard_to_cancellations(page) -> None:
    """From the Subscription page to Cancellations, through Manage, with Tab and Enter."""
    expect(page).to_have_url(re.compile(r"/subscription/$"))
    tab_to(page, '[data-testid="manage"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/manage/$"))
    tab_to(page, '[data-testid="remove-products-link"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cancellations/$"))


def test_r4_owner_removes_talk_with_the_keyboard_only(signed_in_page):
    page = signed_in_page("owner@acme.test")
    keyboard_to_cancellations(page)
    tab_to(page, 'tr[data-product="talk"] button')
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("summary")).to_contain_text("Talk")
    tab_to(page, '[data-testid="continue"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/review/$"))
    tab_to(page, 'select[name="reason"]')
    page.keyboard.press("ArrowDown")  # the first reason of the list
    expect(page.locator('select[name="reason"]')).to_have_value("too_expensive")
    tab_to(page, '[data-testid="confirm"]')
    page.keyboard.press("Enter")
    # The dialog opens with the focus on "Go back"; Escape closes it and nothing is sent.
    dialog = page.get_by_test_id("confirm-removal-dialog")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => document.activeElement.value") == "cancel"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/review/$"))
    expect(page.get_by_test_id("confirm")).to_be_focused()  # the focus went back to the confirm button
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Tab")
    yes = dialog.locator('button[value="confirm"]')
    expect(yes).to_be_focused()
    assert page.evaluate(FOCUS_IS_VISIBLE)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/subscription/$"), timeout=15_000)
    expect(page.locator('tr[data-product="talk"] [data-testid="ends-on"]')).to_contain_text("Ends on")


def test_r5_owner_cancels_the_account_with_the_keyboard_only(signed_in_page):
    page = signed_in_page("owner@acme.test")
    keyboard_to_cancellations(page)
    tab_to(page, '[data-testid="cancel-account"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cancellations/account/$"))
    expect(page.get_by_test_id("effective-date")).to_contain_text("Your account will be cancelled on")
    tab_to(page, '[data-testid="cancel-account-confirm"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/survey/$"))
    tab_to(page, 'input[name="exported"]')
    page.keyboard.press("Space")  # R5.6: the data is exported, or not needed
    expect(page.locator('input[name="exported"]')).to_be_checked()
    tab_to(page, 'select[name="reason"]')
    page.keyboard.press("ArrowDown")
    tab_to(page, '[data-testid="confirm-account-cancellation"]')
    page.keyboard.press("Enter")
    dialog = page.get_by_test_id("confirm-account-dialog")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => document.activeElement.value") == "cancel"  # "Go back" first
    page.keyboard.press("Tab")
    expect(dialog.locator('button[value="confirm"]')).to_be_focused()
    assert page.evaluate(FOCUS_IS_VISIBLE)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("cancellation-banner")).to_contain_text(
        "This account is cancelled from", timeout=15_000
    )
