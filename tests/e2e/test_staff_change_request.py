"""R2.4, R6.5: support staff open an online-assisted admin's change request in the staff console and preview
its approval — in Chromium, under the Content-Security-Policy (conftest.py fails on any violation)."""

from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Account
from billing.models import SubscriptionChangeRequest, SubscriptionItem
from tests.helpers import SUBSCRIPTION


def test_r2_4_the_staff_change_request_page_previews_without_csp_violations(signed_in_page, live_server):
    page = signed_in_page("admin@assisted.test")
    page.goto(f"{live_server.url}{SUBSCRIPTION}")
    page.wait_for_load_state()
    page.get_by_label("What should change?").fill("Add 3 seats")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Your request was sent to support.")).to_be_visible()
    change_request = SubscriptionChangeRequest.objects.get(what="Add 3 seats")
    account = Account.objects.get(name="Online Assisted Ltd")
    support = SubscriptionItem.objects.get(subscription__account=account, product__code="support")
    staff = signed_in_page("support@staff.test")
    url = reverse("admin:billing_subscriptionchangerequest_change", args=[change_request.pk])
    staff.goto(live_server.url + url)
    staff.wait_for_load_state()
    staff.select_option("#id_decision", "approve")
    staff.select_option("#id_apply_kind", "add_seats")
    staff.select_option("#id_apply_item", str(support.pk))
    staff.fill("#id_apply_seats", "3")
    staff.locator("input[name=_save]").click()
    staff.wait_for_load_state()
    expect(staff.get_by_test_id("preview")).to_be_visible()
