"""R11.1: the insights page in Chromium, under the real Content-Security-Policy (conftest.py fails on any
violation): each chart is drawn, styled by the site's stylesheet, beside the table of its numbers."""

from datetime import date
from pathlib import Path

from playwright.sync_api import expect

from billing.services.snapshots import snapshots_write

PAGE = "/staff/billing/accountsnapshot/"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def test_r11_1_the_charts_render_with_their_tables_under_the_csp(signed_in_page, live_server, screenshot):
    snapshots_write(month=date(2026, 10, 1))
    snapshots_write(month=date(2026, 11, 1))
    page = signed_in_page("support@staff.test")
    page.goto(f"{live_server.url}{PAGE}?months=6")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Insights")).to_be_visible()
    for slug in ["revenue", "statuses", "reasons-products", "reasons-account", "dunning"]:
        block = page.get_by_test_id(f"insights-{slug}")
        chart, table = block.locator("svg.pygal-chart"), block.locator("table")
        expect(chart).to_be_visible()
        expect(table).to_be_visible()
        box = chart.bounding_box()
        assert box["width"] > 300 and box["height"] > 100, slug
        expect(block.get_by_role("link", name="Download CSV")).to_have_attribute(
            "href", f"{PAGE}csv/{slug}/?months=6"
        )
    # The stylesheet, not an embedded <style>, colours the series: the first series is pygal's first colour.
    revenue = page.get_by_test_id("insights-revenue")
    stroke = revenue.locator(".series.serie-0 path.line").first.evaluate("e => getComputedStyle(e).stroke")
    assert stroke not in ("none", "rgb(0, 0, 0)"), stroke
    bar = page.get_by_test_id("insights-statuses").locator(".series.serie-0 rect.rect").first
    assert bar.evaluate("e => getComputedStyle(e).fill") not in ("none", "rgb(0, 0, 0)")
    expect(revenue.locator("tbody tr")).to_have_count(6)
    screenshot("insights")
    # Accessible as the Admin Center pages are (tests/e2e/test_accessibility.py): axe finds nothing serious.
    page.evaluate(AXE.read_text() + "\n;0")
    result = page.evaluate(
        "() => axe.run(document.querySelector('#content-main'), {resultTypes: ['violations']})"
    )
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
