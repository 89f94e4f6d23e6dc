"""R3.6 and R6.5 in real Chromium: the renewal invoice is the "Next invoice" the owner was shown.

Vintage's owner makes three Manage changes, each previewed then confirmed: annual billing and a Chat
downgrade (from the next period), two Support seats (charged now). The owner reads "Next invoice" on the
Subscription page; support staff attach a test clock to Vintage in the staff console and move it past the
renewal (the console runs the account's lifecycle up to it, R9.2); the owner then finds the renewal invoice
— in the list and in its PDF — equal to what was shown."""

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

pytestmark = pytest.mark.e2e

VINTAGE = "Vintage 2019 Co"
MANAGE = "/admin/account/billing/subscription/manage/"
MONEY = r"\$[\d,]+\.\d\d"
PER_PERIOD = re.compile(rf"^{MONEY} per (month|year)$")  # R6.5: each figure says the period it covers
PDF_FIGURES = re.compile(rf"^(\d+) ({MONEY}) ({MONEY})$")  # qty, unit price, amount
# Under a line's description, the PDF says what it covers (R8.9): its period, a discount's basis.
PDF_DETAIL = re.compile(rf"^(\w{{3}} \d{{1,2}}, \d{{4}} – \w{{3}} \d{{1,2}}, \d{{4}})?( · )?(on {MONEY})?$")


@dataclass
class Preview:
    before: str  # "$664.00 per month"
    after: str
    charged: str  # "$47.80"


def clean(text: str) -> str:
    """Whitespace (incl. Babel's no-break spaces) collapsed to single spaces."""
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " ")).strip()


def amount(label: str) -> str:
    """The money in a label: "$7,248.00 per year" → "$7,248.00"."""
    return re.search(MONEY, label).group()


def medium_day(day: date) -> str:
    """The pages' medium date format: "Dec 11, 2026"."""
    return f"{day:%b} {day.day}, {day.year}"


def preview_and_confirm(page, screenshot, name: str) -> Preview:
    """Read the preview that the form just opened (htmx, in place), then confirm it."""
    preview = page.get_by_test_id("preview")
    expect(preview.get_by_test_id("total-after")).to_contain_text(re.compile(MONEY))
    before, after = clean(preview.get_by_test_id("next-invoice-change").inner_text()).split(" → ")
    assert PER_PERIOD.match(before) and PER_PERIOD.match(after), (before, after)
    assert clean(preview.get_by_test_id("total-after").inner_text()) == after
    charged = amount(preview.get_by_test_id("charge-now").inner_text())
    screenshot(f"next-invoice-vintage-{name}-preview")
    preview.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Change confirmed.")
    return Preview(before, after, charged)


def next_invoice_shown(page) -> tuple[date, str, list[tuple[str, ...]]]:
    """The Subscription page's "Next invoice": its date, its total, and its lines (shown on demand) as
    (description, qty, unit price, amount)."""
    shown = page.get_by_test_id("next-invoice")
    shown_on = clean(shown.get_by_test_id("next-invoice-date").inner_text())
    on = datetime.strptime(shown_on, "%B %d, %Y").replace(tzinfo=UTC)  # the pages show UTC days
    total = clean(shown.get_by_test_id("next-invoice-total").inner_text())
    details = shown.get_by_test_id("next-invoice-lines")
    details.locator("summary").click()
    rows = details.locator("tbody tr")
    expect(rows.first).to_be_visible()
    lines = [tuple(clean(cell) for cell in row.locator("th, td").all_inner_texts()) for row in rows.all()]
    return on.date(), total, lines


def move_test_clock(page, live_server, account: str, to: date) -> str:
    """As support staff in the staff console: create a test clock at the current time, attach it to the
    account, then set the clock to `to` — saving moves it forward and runs the account's lifecycle up to
    it (billing/admin/support.py). Returns the console's report of what ran."""
    page.goto(f"{live_server.url}/staff/billing/testclock/add/")
    page.get_by_label("Name").fill(f"{account} clock")
    page.get_by_role("link", name="Today").click()
    page.get_by_role("link", name="Now").click()
    page.get_by_role("button", name="Save", exact=True).click()

    page.goto(f"{live_server.url}/staff/accounts/account/?q={account}")
    page.get_by_role("link", name=account).click()
    clock = page.get_by_label("Test clock:")
    clock.select_option(label=clock.locator("option", has_text=f"{account} clock").inner_text())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{live_server.url}/staff/billing/testclock/?q={account}")
    page.get_by_role("link", name=re.compile(f"^{account} clock")).click()
    page.locator("#id_frozen_now_0").fill(to.isoformat())
    page.locator("#id_frozen_now_1").fill("00:00:00")
    page.get_by_role("button", name="Save", exact=True).click()
    report = page.locator(".messagelist")
    expect(report).to_contain_text(f"{account} → {to:%Y-%m-%d}")
    return clean(report.inner_text())


def pdf_of(page, row) -> str:
    """The text of the invoice's PDF, downloaded from its row: the only place its lines are shown."""
    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile("Download PDF")).click()
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    return "\n".join(p.extract_text() for p in reader.pages).replace("\u202f", " ").replace("\xa0", " ")


def pdf_lines(text: str) -> list[tuple[str, ...]]:
    """The invoice lines of a PDF's text, between the table's header and its subtotal: each is its
    description, what it covers (its period, a discount's basis), then quantity, unit price and amount. A
    line that does not read as one is kept whole, so that the comparison shows it."""
    table = text.split("Description Qty Unit price Amount\n", 1)[1].split("\nSubtotal", 1)[0]
    rows, texts = [], []
    for line in table.splitlines():
        if figures := PDF_FIGURES.match(line):
            description, *details = texts
            rows.append(
                (description, *figures.groups()) if all(map(PDF_DETAIL.match, details)) else tuple(texts)
            )
            texts = []
        else:
            texts.append(line)
    return rows + [(line,) for line in texts]


def test_r3_6_r6_5_vintage_renewal_invoice_equals_the_next_invoice_shown(
    signed_in_page, live_server, screenshot
):
    page = signed_in_page("owner@vintage.test")
    page.goto(f"{live_server.url}{MANAGE}")

    # Two changes from the next period, one charged now: the next invoice must carry all three.
    page.get_by_role("button", name="Switch to annual billing").click()
    expect(page.get_by_test_id("preview-what")).to_have_text("New billing cycle: Annual")
    annual = preview_and_confirm(page, screenshot, "annual")

    chat = page.get_by_test_id("editions-section").locator('tr[data-line="chat"]')
    chat.get_by_label("New edition of Chat").select_option("growth")
    chat.get_by_role("button", name="Change edition").click()
    expect(page.get_by_test_id("preview-what")).to_have_text("Change Chat to Growth")
    downgrade = preview_and_confirm(page, screenshot, "chat-growth")

    seats = page.get_by_test_id("seats-section").locator('tr[data-line="support"]')
    seats.get_by_label("Seats to add to Support").fill("2")
    seats.get_by_role("button", name="Add seats").click()
    expect(page.get_by_test_id("preview-what")).to_have_text("Add 2 agent seats to Support")
    added = preview_and_confirm(page, screenshot, "support-seats")

    # R6.5: each preview starts from the next invoice the previous one ended on (the same invoice).
    assert annual.before.endswith("per month") and annual.after.endswith("per year")
    assert annual.after == downgrade.before and downgrade.after == added.before
    assert (annual.charged, downgrade.charged) == ("$0.00", "$0.00") and added.charged != "$0.00"

    # R3.6: the Subscription page's "Next invoice" is the last preview's "after".
    page.get_by_role("link", name="Subscription").first.click()
    on, total, lines = next_invoice_shown(page)
    assert total == amount(added.after)
    assert [line[0] for line in lines] == [
        "Support Professional · agent seat",
        "Chat Growth · agent seat",
        "Guide Professional · for the whole account",
    ]
    assert (lines[0][1], lines[1][1]) == ("8", "3")  # 6 + 2 Support seats; Chat keeps its 3
    long_day = f"{on:%B} {on.day}, {on.year}"
    expect(page.get_by_test_id("scheduled-changes").locator("li")).to_have_text(
        [f"Billing cycle: Annual from {long_day}", f"Chat: Growth from {long_day}"]
    )
    screenshot("next-invoice-vintage-shown")

    report = move_test_clock(
        signed_in_page("support@staff.test"), live_server, VINTAGE, on + timedelta(days=1)
    )
    assert report.endswith("applied set_cycle, applied set_edition, renewed"), report
    screenshot("next-invoice-vintage-clock-moved")

    page = signed_in_page("owner@vintage.test")
    page.get_by_role("link", name="Invoices").click()
    invoices = page.get_by_test_id("invoices").locator("tbody tr")
    screenshot("next-invoice-vintage-invoices")
    # The seats were charged now, on an invoice of their own (no period), for what their preview said.
    seats_invoice = invoices.filter(has=page.locator("td", has_text=re.compile("^—$")))
    expect(seats_invoice).to_have_count(1)
    expect(seats_invoice.locator("td.num").first).to_have_text(added.charged)

    # R3.6: the renewal invoice (its period starts on the Next invoice date) is the one shown.
    renewal = invoices.filter(has_text=f"{medium_day(on)} – ")
    expect(renewal).to_have_count(1)
    expect(renewal.locator("td").first).to_have_text(medium_day(on))
    expect(renewal.locator("td.num").first).to_have_text(total)
    pdf = pdf_of(page, renewal)
    assert f"Issued on {long_day}" in pdf
    assert f"\nTotal (USD) {total}\n" in pdf  # R8.9: with the currency's code
    assert pdf_lines(pdf) == lines
