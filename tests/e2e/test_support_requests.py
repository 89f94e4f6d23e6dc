"""R8.10 in real Chromium: the owner asks for copies of invoices from Billing › Invoices, and the owner of an
account cancelled for non-payment asks for a temporary reactivation from the sign-in refusal; support staff
answer both in /staff/, and the answers reach the owners."""

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from billing.models import DunningCase, Invoice, SupportRequest

pytestmark = pytest.mark.e2e


def staff_answers(staff, live_server, request: SupportRequest, answer: str, reply: str, invoice=None):
    staff.goto(f"{live_server.url}/staff/billing/supportrequest/")
    staff.locator(f'a[href$="/supportrequest/{request.pk}/change/"]').first.click()
    staff.wait_for_load_state()
    staff.get_by_label("Answer:").select_option(label=answer)
    staff.get_by_label("Reply from support:").fill(reply)
    if invoice is not None:
        staff.get_by_label(str(invoice)).check()
    staff.get_by_role("button", name="Save", exact=True).click()
    staff.wait_for_load_state()


def test_r8_10_invoice_copies_asked_and_answered(signed_in_page, live_server, screenshot):
    page = signed_in_page("owner@acme.test")
    page.get_by_role("link", name="Invoices").click()
    form = page.get_by_test_id("invoice-requests")
    form.get_by_label("From (month)").fill("2026-01")
    form.get_by_label("To (month)").fill("2026-03")
    form.get_by_label("Message (optional)").fill("Our accountant needs the first quarter again.")
    form.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("Your request was sent to support")
    expect(page.get_by_test_id("support-requests")).to_contain_text("January 2026 – March 2026")
    expect(page.get_by_test_id("support-requests")).to_contain_text("Awaiting an answer")
    screenshot("invoices-request-sent")

    request = SupportRequest.objects.get(kind="invoice_copy")
    invoice = Invoice.objects.filter(account=request.account).exclude(status="draft").earliest("issued_at")
    staff = signed_in_page("support@staff.test")
    staff_answers(
        staff, live_server, request, "Answered", "Here is the first one; the others follow.", invoice
    )
    screenshot("staff-support-request-answered")

    page = signed_in_page("owner@acme.test")
    page.get_by_role("link", name="Invoices").click()
    requests = page.get_by_test_id("support-requests")
    expect(requests).to_contain_text("Answered")
    expect(requests).to_contain_text("Here is the first one; the others follow.")
    expect(requests.get_by_role("link", name=invoice.number)).to_be_visible()


def test_r8_10_a_temporary_reactivation_asked_at_sign_in_and_granted(
    page, signed_in_page, live_server, screenshot
):
    account = Account.objects.get(name="Past Due Chat")
    DunningCase.objects.filter(account=account, status="open").update(status="suspended")
    Account.objects.filter(pk=account.pk).update(status=Account.Status.SUSPENDED)

    # A wrong password shows the plain refusal and nothing to ask.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("owner@pastdue.test")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    expect(page.get_by_text("The email or password is not correct.")).to_be_visible()
    expect(page.get_by_test_id("reactivation-offer")).to_have_count(0)

    page = signed_in_page("owner@pastdue.test")  # the right password: refused, with the offer
    offer = page.get_by_test_id("reactivation-offer")
    expect(page.get_by_text("cancelled for non-payment")).to_be_visible()
    offer.get_by_label("Message to support (optional)").fill("The card expired; I will update it today.")
    screenshot("sign-in-refused-reactivation-offer")
    offer.get_by_role("button", name="Ask for a temporary reactivation").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Your request for a temporary reactivation was sent to support")).to_be_visible()

    request = SupportRequest.objects.get(kind="reactivation")
    staff = signed_in_page("support@staff.test")
    staff_answers(
        staff, live_server, request, "Grant a temporary reactivation (7 days)", "Granted for a week."
    )
    request.refresh_from_db()
    assert request.status == "answered" and request.granted_until is not None

    page = signed_in_page("owner@pastdue.test")
    expect(page).to_have_url(f"{live_server.url}/admin/account/billing/payment/")  # the card only (R8.5)
