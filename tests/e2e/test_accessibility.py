"""Accessibility in real Chromium: axe-core (from npm, package-lock.json) on every Admin Center page in
English and French — no serious or critical violation — with a screenshot of each page at desktop and mobile
widths, and the layout held at 375 px (no sideways scrolling)."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from devtools.demo import PASSWORD
from tests.e2e.conftest import SCREENSHOTS

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BILLING = "/admin/account/billing"
WIDTHS = {"desktop": (1280, 900), "mobile": (375, 800)}
# Every page of the owner of a self-service account (the one who sees them all), then the states that need
# a step first, then the pages of other people.
OWNER_PAGES = [
    ("home", "/admin/"),
    ("subscription", f"{BILLING}/subscription/"),
    ("manage", f"{BILLING}/subscription/manage/"),
    ("cancellations", f"{BILLING}/cancellations/"),
    ("account-cancel", f"{BILLING}/cancellations/account/"),
    ("account-cancel-survey", f"{BILLING}/cancellations/account/survey/"),
    ("invoices", f"{BILLING}/invoices/"),
    ("payment", f"{BILLING}/payment/"),
    ("contacts", f"{BILLING}/contacts/"),
    ("data-export", f"{BILLING}/export/"),
    ("account-owner", f"{BILLING}/owner/"),
    ("history", f"{BILLING}/history/"),
    ("not-found", f"{BILLING}/invoices/999999/pdf/"),
]


# The innermost elements that stick out on the right, to say what to fix.
TOO_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
               && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))"""


def audit(page, name: str, language: str, found: dict) -> None:
    """Run axe on the page as it is, keep its serious and critical violations, take both screenshots."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)")
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not block.
    page.evaluate(AXE.read_text() + "\n;0")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            found[f"{language}/{name}: {violation['id']}"] = [node["target"] for node in violation["nodes"]][
                :5
            ]
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SCREENSHOTS / "pages" / f"{name}-{language}-{label}.png"), full_page=True)
        if label == "mobile":
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                found[f"{language}/{name}: wider than 375 px"] = [
                    f"{overflow} px too wide",
                    *page.evaluate(TOO_WIDE),
                ]
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_passes_axe_in_both_languages_and_holds_at_375px(signed_in_page, live_server, language):
    (SCREENSHOTS / "pages").mkdir(parents=True, exist_ok=True)
    found: dict[str, list] = {}
    page = signed_in_page("owner@acme.test")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    for name, path in OWNER_PAGES:
        page.goto(live_server.url + path)
        audit(page, name, language, found)

    # States reached by a step: a Manage preview, a product selected for removal and its review.
    page.goto(f"{live_server.url}{BILLING}/subscription/manage/")
    page.locator('[data-testid="seats-section"] tr[data-line="support"] button').first.click()
    expect(page.get_by_test_id("preview")).to_be_visible()
    audit(page, "manage-preview", language, found)
    page.goto(f"{live_server.url}{BILLING}/cancellations/")
    page.locator('tr[data-product="talk"] button').click()
    expect(page.get_by_test_id("summary")).to_be_visible()
    audit(page, "cancellations-selected", language, found)
    page.goto(f"{live_server.url}{BILLING}/cancellations/review/")
    audit(page, "cancellation-review", language, found)
    page.locator('[data-testid="confirm"]').click()
    expect(page.get_by_test_id("confirm-removal-dialog")).to_be_visible()
    audit(page, "cancellation-confirm-dialog", language, found)

    # Other people's pages: an agent refused billing (403), a member's home, the sign-in page.
    page = signed_in_page("agent@acme.test")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}{BILLING}/subscription/")
    audit(page, "forbidden", language, found)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    audit(page, "sign-in", language, found)
    # The sign-in refusal of an account cancelled for non-payment, with its reactivation request (R8.10).
    Account.objects.filter(name="Past Due Chat").update(status=Account.Status.SUSPENDED)
    page.locator('input[name="username"]').fill("owner@pastdue.test")
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_test_id("reactivation-offer")).to_be_visible()
    audit(page, "sign-in-reactivation-offer", language, found)

    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
