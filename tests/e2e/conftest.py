from pathlib import Path

import pytest

from devtools.demo import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(autouse=True)
def _no_content_security_policy_violations(page):
    """Every browser test fails if Chromium refused anything under the Content-Security-Policy."""
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield
    assert refused == [], refused


@pytest.fixture
def signed_in_page(page, live_server, demo):
    """Sign in through the real form in Chromium; returns a function(email) → page."""

    def sign_in(email: str):
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return sign_in


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
