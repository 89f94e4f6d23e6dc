"""Accessibility in real Chromium: axe-core (from npm, package-lock.json) on every Admin Center page in
English and French — no serious or critical violation — with a screenshot of each page at desktop and mobile
widths, and the layout held at 375 px (no sideways scrolling)."""

import json
from datetime import date

import pytest
from playwright.sync_api import expect

from accounts.models import Account, User
from billing.models import ScheduledChange
from billing.services.contracts import staff_cancellation_schedule
from devtools.demo import PASSWORD
from tests.e2e.conftest import AXE, SCREENSHOTS
from tests.helpers import TODAY

pytestmark = pytest.mark.e2e

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


def schedule_managed_cancellation() -> None:
    account = Account.objects.get(name="Managed Enterprise Inc")
    if not ScheduledChange.objects.filter(account=account).account_cancellation().exists():
        root = User.objects.get(email="root@staff.test")
        staff_cancellation_schedule(
            account=account, by=root, reason="switching", notice_received=date(2026, 11, 2), now=TODAY
        )


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
    # R10.1: a member's language is the one kept on their user (the EN/FR switch's choice).
    User.objects.filter(email__in=["owner@acme.test", "agent@acme.test"]).update(language=language)
    page = signed_in_page("owner@acme.test")
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
    page.locator('[data-testid="confirm"]').click()  # no reason chosen: the server lists what to fix
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    audit(page, "cancellation-review-errors", language, found)
    page.wait_for_load_state()
    page.locator('select[name="reason"]').select_option("not_using")
    page.locator('[data-testid="confirm"]').click()
    expect(page.get_by_test_id("confirm-removal-dialog")).to_be_visible()
    audit(page, "cancellation-confirm-dialog", language, found)
    page.goto(f"{live_server.url}{BILLING}/contacts/")
    page.get_by_test_id("contacts").get_by_role("link").first.click()
    expect(page.get_by_test_id("contact-remove-confirmation")).to_be_visible()
    audit(page, "contact-remove-confirmation", language, found)

    # The seeds' special cases (issue 19): legacy Chat and tier 1 (R4.7, R4.9), SPP (R4.8), online-assisted
    # Manage (R3.7).
    page = signed_in_page("owner@vintage.test")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}{BILLING}/cancellations/")
    audit(page, "cancellations-legacy-chat", language, found)
    page.locator('tr[data-product="support"] button').click()
    expect(page.get_by_test_id("summary")).to_be_visible()
    page.goto(f"{live_server.url}{BILLING}/cancellations/review/")
    audit(page, "cancellation-review-tier1", language, found)
    for email, name, path in [
        ("owner@spp.test", "cancellations-spp", "cancellations/"),
        ("owner@assisted.test", "manage-online-assisted", "subscription/manage/"),
    ]:
        page = signed_in_page(email)
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}{BILLING}/{path}")
        audit(page, name, language, found)

    # The owner of an account whose cancellation is scheduled: the final statement's preview (R7.4).
    schedule_managed_cancellation()
    page = signed_in_page("owner@managed.test")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}{BILLING}/invoices/")
    expect(page.get_by_test_id("final-statement-preview")).to_be_visible()
    audit(page, "invoices-final-statement", language, found)

    # Other people's pages: an agent refused billing (403), a member's home, the sign-in page.
    page = signed_in_page("agent@acme.test")
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
