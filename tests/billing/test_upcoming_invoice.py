"""R3.6: one function for the upcoming invoice — the next renewal's date, lines (quantity × unit price),
discounts, tax and total with every scheduled change applied — and the renewal invoice is built by it.

Figures computed by hand from the catalog (USD a month: Support Professional $69 a seat, Chat Professional
$50 a seat, Team $20, Guide Professional $100 for the account, Talk Team $15 a seat; billed annually, a
month costs 20 % less rounded down to the dollar: $55, $40, $80, $12) and Acme's demo subscription
(Support 12, Chat 5, Guide, Talk 3, monthly, a 10 % promotion, renewing on December 11, 2026)."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import Account
from billing.models import Invoice, ScheduledChange
from billing.selectors.catalog import catalog_for
from billing.selectors.subscription import contract_for, load_subscription
from billing.selectors.upcoming import LineSpec, next_invoice
from tests.billing.test_lifecycle import tick
from tests.helpers import NOW, change, item, text

pytestmark = pytest.mark.usefixtures("demo")
ACME = "Acme Self-Service"
RENEWAL = datetime(2026, 12, 11, tzinfo=UTC)


def upcoming(name: str = ACME):
    account = Account.objects.get(name=name)
    loaded = load_subscription(account, now=NOW)
    return next_invoice(loaded, catalog_for(account.currency), renews=contract_for(account).auto_renew)


def test_r3_6_acmes_next_invoice_by_hand():
    invoice = upcoming()
    assert (invoice.on, invoice.period_end, invoice.cycle) == (
        RENEWAL,
        datetime(2027, 1, 11, tzinfo=UTC),
        "monthly",
    )
    assert invoice.lines == [
        LineSpec("Support Professional · agent seat", 6900, 12),
        LineSpec("Chat Professional · agent seat", 5000, 5),
        LineSpec("Guide Professional · for the whole account", 10000, 1),
        LineSpec("Talk Team · agent seat", 1500, 3),
        LineSpec("Welcome 10%", -12230, basis=122_300),  # 10 % of $1,223.00 (R8.9: its basis)
    ]
    assert (invoice.subtotal, invoice.tax, invoice.total) == (110070, 0, 110070)


def test_r3_6_a_seat_reduction_counts_from_the_next_invoice(sign_in):
    change(sign_in("owner@acme.test"), kind="remove_seats", item=item(ACME, "support").pk, seats=2)
    invoice = upcoming()
    assert invoice.lines[0] == LineSpec("Support Professional · agent seat", 6900, 10)
    assert invoice.total == 97650  # ($1,223 − 2 × $69) less 10 %


def test_r3_6_an_edition_downgrade_and_a_removal_count_too(sign_in):
    owner = sign_in("owner@acme.test")
    change(owner, kind="change_edition", item=item(ACME, "chat").pk, edition="team")
    invoice = upcoming()
    assert LineSpec("Chat Team · agent seat", 2000, 5) in invoice.lines
    assert invoice.total == 96570  # ($1,223 − 5 × $30) less 10 %


def test_r3_6_the_switch_to_annual_prices_the_year(sign_in):
    change(sign_in("owner@acme.test"), kind="change_cycle", cycle="annual")
    invoice = upcoming()
    assert (invoice.cycle, invoice.period_end) == ("annual", datetime(2027, 12, 11, tzinfo=UTC))
    assert invoice.lines[:4] == [
        LineSpec("Support Professional · agent seat", 66000, 12),  # $55 a month × 12
        LineSpec("Chat Professional · agent seat", 48000, 5),
        LineSpec("Guide Professional · for the whole account", 96000, 1),
        LineSpec("Talk Team · agent seat", 14400, 3),
    ]
    assert invoice.total == 1054080  # $11,712.00 less 10 %


def test_r3_6_a_cancelled_account_has_no_next_invoice():
    account = Account.objects.get(name=ACME)
    ScheduledChange.objects.create(
        account=account, kind=ScheduledChange.Kind.CANCEL_ACCOUNT, effective_at=RENEWAL, created_at=NOW
    )
    assert upcoming() is None


def test_r3_6_the_renewal_invoice_equals_the_last_next_invoice_shown(
    sign_in, django_capture_on_commit_callbacks
):
    owner = sign_in("owner@acme.test")
    change(owner, kind="remove_seats", item=item(ACME, "support").pk, seats=2)
    change(owner, kind="change_edition", item=item(ACME, "chat").pk, edition="team")
    shown = upcoming()
    page = text(owner.get("/admin/account/billing/subscription/"))
    assert (
        "Next invoice" in page and "December 11, 2026" in page and "$841.50" in page
    )  # ($1,223 − $138 − $150) less 10 %
    tick(RENEWAL + timedelta(hours=1), django_capture_on_commit_callbacks)
    issued = Invoice.objects.get(account__name=ACME, period_start=RENEWAL)
    assert [
        LineSpec(line.description, line.unit_amount, line.quantity, line.basis) for line in issued.lines.all()
    ] == shown.lines
    assert (
        (issued.subtotal, issued.tax, issued.total)
        == (shown.subtotal, shown.tax, shown.total)
        == (84150, 0, 84150)
    )


def test_r3_6_suite_pricing_and_its_loss():
    """Legacy Suite SARL: Support Suite Professional, 8 seats, annual, in euros (€149 a seat a month, €119
    billed annually). When suite pricing ends, each product is priced on its own (R4.6)."""
    legacy = upcoming("Legacy Suite SARL")
    assert legacy.lines == [LineSpec("Support Suite Professional · licence d’agent", 142800, 8)]
    assert (legacy.currency, legacy.subtotal) == ("EUR", 1142400)
    account = Account.objects.get(name="Legacy Suite SARL")
    ScheduledChange.objects.create(
        account=account,
        kind=ScheduledChange.Kind.END_SUITE_PRICING,
        payload={"suite": "support_suite"},
        effective_at=account.subscription.current_period_end,
        created_at=NOW,
    )
    alone = upcoming("Legacy Suite SARL")
    assert [(line.unit_amount, line.quantity) for line in alone.lines] == [
        (66000, 8),  # Support: €55 × 12
        (48000, 8),  # Chat: €40 × 12
        (96000, 1),  # Guide, for the whole account: €80 × 12
        (48000, 8),  # Talk: €40 × 12
    ]
    assert alone.subtotal == 1392000


def test_r6_5_previews_say_the_next_invoice_before_and_after_each_with_its_period(sign_in):
    """The tester's path on Vintage 2019 Co (Support Professional 6, Chat Professional 3, Guide
    Professional; $664 a month) with Guide's removal pending: each preview starts from the next invoice as
    it already stands, and says per month or per year."""
    vintage = Account.objects.get(name="Vintage 2019 Co")
    guide = item("Vintage 2019 Co", "guide")
    ScheduledChange.objects.create(
        account=vintage,
        kind=ScheduledChange.Kind.REMOVE_ITEM,
        item=guide,
        effective_at=vintage.subscription.current_period_end,
        created_at=NOW,
    )
    owner = sign_in("owner@vintage.test")
    downgrade, _ = change(
        owner, kind="change_edition", item=item("Vintage 2019 Co", "chat").pk, edition="team"
    )
    assert "$564.00 per month → $474.00 per month" in text(downgrade)  # $664 − $100; then − 3 × $30
    annual, _ = change(owner, kind="change_cycle", cycle="annual")
    # From $474 a month: Support 6 × $55 + Chat Team 3 × $16 = $378 a month billed annually, × 12.
    assert "$474.00 per month → $4,536.00 per year" in text(annual)
    talk, _ = change(owner, kind="add_product", product="talk", edition="team", seats=2)
    assert "$4,536.00 per year → $4,824.00 per year" in text(talk)  # + 2 × $12 × 12
    assert upcoming("Vintage 2019 Co").total == 482400
