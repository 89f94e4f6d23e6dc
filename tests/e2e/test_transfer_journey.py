"""R8.9 in real Chromium: the owner of an account paying by transfer sees how to pay its overdue invoice;
support staff record the transfer from the invoice's page; the owner then reads it paid by bank transfer."""

import pytest
from playwright.sync_api import expect

from billing.models import Invoice

pytestmark = pytest.mark.e2e


def test_r8_9_an_overdue_transfer_invoice_paid_and_recorded_by_staff(signed_in_page, live_server, screenshot):
    invoice = Invoice.objects.get(account__name="Online Assisted Ltd", status="open")
    page = signed_in_page("owner@assisted.test")
    page.get_by_role("link", name="Invoices").click()
    row = page.locator(f'tr[data-invoice="{invoice.number}"]').first
    expect(row.get_by_test_id("invoice-status")).to_have_text("Overdue")
    details = page.get_by_test_id("transfer-details")
    expect(details).to_contain_text(invoice.seller_iban)
    expect(details.locator("dd").last).to_have_text(invoice.number)
    screenshot("invoices-transfer-overdue")

    staff = signed_in_page("support@staff.test")
    staff.goto(f"{live_server.url}/staff/billing/invoice/{invoice.pk}/change/")
    staff.get_by_test_id("record-transfer").click()
    staff.get_by_label("Amount received").fill("61,920.00")
    staff.get_by_label("Received on").fill("2026-11-20")
    staff.get_by_label("Bank reference").fill("BARC 7731")
    screenshot("staff-record-transfer")
    staff.get_by_role("button", name="Record the transfer and mark the invoice paid").click()
    expect(staff.locator(".messagelist")).to_contain_text("transfer BARC 7731 of £61,920.00 recorded")

    page = signed_in_page("owner@assisted.test")
    page.get_by_role("link", name="Invoices").click()
    row = page.locator(f'tr[data-invoice="{invoice.number}"]').first
    expect(row.get_by_test_id("invoice-status")).to_have_text("Paid on Nov 20, 2026 by bank transfer")
    expect(page.get_by_test_id("transfer-details")).to_have_count(0)
    screenshot("invoices-transfer-paid")
