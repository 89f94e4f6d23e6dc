"""The owner's and billing admins' pages (issue 19): a confirmation before a billing contact is removed and
messages that name who or what (R8.3), the navigation under a temporary reactivation (R8.5), one
announcement of an account cancellation (R5.2), "Add a card" when there is none (R8.4), the error summary
of every form, and the `required` boxes the confirmation dialog waits for (R4.7, R5.6)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages

from accounts.models import Account, User
from billing.lifecycle.tick import billing_tick
from billing.models import BillingContact, BillingContactRequest, PaymentMethod
from billing.services.support import temporary_reactivation_grant
from tests.helpers import CANCELLATIONS, SUBSCRIPTION, item, new_events, select, text

pytestmark = pytest.mark.usefixtures("demo")
BILLING = "/admin/account/billing/"
CONTACTS = BILLING + "contacts/"
CONFIRM_REMOVAL = CONTACTS + "remove/confirm/"


def sidebar_of(html: str) -> str:
    start = html.index('<nav class="sidebar"')
    return html[start : html.index("</nav>", start)]


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- R8.3 removing a billing contact asks first, and the messages name the person -------------------------


def test_r8_3_removing_a_contact_asks_first_on_a_page_of_its_own(sign_in):
    client = sign_in("owner@acme.test")
    contact = BillingContact.objects.get(email="accounting@acme.test")
    listing = client.get(CONTACTS).content.decode()
    assert f'href="{CONFIRM_REMOVAL}?contact={contact.pk}"' in listing  # a link, not a one-click form
    assert f'action="{CONTACTS}remove/"' not in listing
    page = client.get(CONFIRM_REMOVAL, {"contact": contact.pk})
    assert page.status_code == 200
    assert "Remove accounting@acme.test from the billing contacts?" in text(page)
    assert f'action="{CONTACTS}remove/"' in page.content.decode()
    assert BillingContact.objects.filter(pk=contact.pk, removed_at=None).exists()  # asking changes nothing
    assert not new_events().exists()
    response = client.post(CONTACTS + "remove/", {"contact": contact.pk})
    assert response.status_code == 302
    assert flashed(response) == ["accounting@acme.test is no longer a billing contact."]
    assert client.get(CONFIRM_REMOVAL, {"contact": contact.pk}).status_code == 404  # already removed


def test_r8_3_messages_are_a_list_inside_a_status_region(sign_in):
    """A role on the <ul> would unmake the list (axe: listitem); the live region wraps it instead."""
    client = sign_in("owner@acme.test")
    contact = BillingContact.objects.get(email="accounting@acme.test")
    html = client.post(CONTACTS + "remove/", {"contact": contact.pk}, follow=True).content.decode()
    assert re.search(
        r'<div role="status"><ul class="messages">\s*<li class="message[^"]*">accounting@acme', html
    )
    assert '<ul class="messages" role=' not in html


@pytest.mark.parametrize("query", [{}, {"contact": "x"}, {"contact": "999999"}])
def test_r8_3_the_confirmation_of_no_contact_is_a_404(sign_in, query):
    assert sign_in("owner@acme.test").get(CONFIRM_REMOVAL, query).status_code == 404


def test_r2_5_the_confirmation_is_the_owners_and_another_accounts_contact_is_a_404(sign_in):
    contact = BillingContact.objects.get(email="accounting@acme.test")
    assert sign_in("billing@acme.test").get(CONFIRM_REMOVAL, {"contact": contact.pk}).status_code == 403
    assert sign_in("owner@spp.test").get(CONFIRM_REMOVAL, {"contact": contact.pk}).status_code == 404


def test_r8_3_a_decision_names_the_request(sign_in):
    owner = sign_in("owner@acme.test")
    agent = sign_in("agent@acme.test")
    agent.post(CONTACTS + "request/")
    asked = BillingContactRequest.objects.get(status="pending")
    response = owner.post(CONTACTS + "decide/", {"request": asked.pk, "approve": "1"})
    assert flashed(response) == ["Request approved: agent@acme.test will receive the invoices."]
    agent.post(CONTACTS + "request/")
    asked = BillingContactRequest.objects.get(status="pending")
    response = owner.post(CONTACTS + "decide/", {"request": asked.pk})
    assert flashed(response)[-1] == "Request declined: agent@acme.test still receives the invoices."


# --- R8.5 under a temporary reactivation the navigation lists only the Payment page ----------------------


def test_r8_5_a_temporary_reactivation_lists_only_the_payment_page_and_says_why(sign_in):
    renewal = datetime(2026, 12, 11, tzinfo=UTC)  # Acme's renewal date
    PaymentMethod.objects.filter(account__name="Acme Self-Service").update(
        gateway_token="sandbox_card_declined_test"
    )
    with time_machine.travel(renewal + timedelta(days=29, hours=1), tick=False):
        billing_tick()
    moment = renewal + timedelta(days=30)
    with time_machine.travel(moment, tick=False):
        account = Account.objects.get(name="Acme Self-Service")
        temporary_reactivation_grant(
            account=account, by=User.objects.get(email="support@staff.test"), now=moment
        )
        html = sign_in("owner@acme.test").get(BILLING + "payment/").content.decode()
    nav = sidebar_of(html)
    assert re.findall(r'href="([^"]+)"', nav) == [BILLING + "payment/"]
    assert "only the Payment page is open" in nav
    assert "Invoices" not in nav and "Home" not in nav


def test_r8_5_the_navigation_lists_every_page_the_owner_may_open_otherwise(sign_in):
    html = sign_in("owner@acme.test").get(BILLING + "payment/").content.decode()
    nav = sidebar_of(html)
    assert len(re.findall(r'href="', nav)) == 8 and "limited-access-note" not in nav


# --- R5.2 the account cancellation is announced once ------------------------------------------------------


def test_r5_2_after_the_account_cancellation_the_banner_alone_says_it(sign_in):
    client = sign_in("owner@acme.test")
    survey = client.get(CANCELLATIONS + "account/survey/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', survey)[1]
    data = {"token": token, "reason": "closing", "exported": "on"}
    response = client.post(CANCELLATIONS + "account/confirm/", data, follow=True)
    assert response.redirect_chain[-1][0] == SUBSCRIPTION
    page = text(response)
    assert (
        page.count("is cancelled from") == 1
        and 'data-testid="cancellation-banner"' in response.content.decode()
    )


# --- R8.4 "Add a card" when there is none ------------------------------------------------------------------


def test_r8_4_a_trial_without_a_card_is_offered_to_add_one(sign_in):
    client = sign_in("owner@trial.test")
    html = client.get(SUBSCRIPTION).content.decode()
    assert f'href="{BILLING}payment/#card-form">Add a card</a>' in html
    payment = client.get(BILLING + "payment/").content.decode()
    assert '<h2 id="update-title">Add a card</h2>' in payment and "Update the card" not in payment


def test_r8_4_with_a_card_on_file_the_page_offers_to_update_it(sign_in):
    payment = sign_in("owner@acme.test").get(BILLING + "payment/").content.decode()
    assert '<h2 id="update-title">Update the card</h2>' in payment and "Add a card" not in payment


def test_r8_4_a_managed_account_without_a_card_is_not_offered_update_the_card(sign_in):
    assert not PaymentMethod.objects.filter(account__name__icontains="managed").exists()
    client = sign_in("owner@managed.test")
    assert "Update the card" not in text(client.get(BILLING + "payment/"))
    assert "Update the card" not in text(client.get(SUBSCRIPTION))


def test_r8_4_only_who_may_update_the_card_is_offered_to_add_one(sign_in):
    html = sign_in("billing@acme.test").get(SUBSCRIPTION).content.decode()
    assert "#card-form" not in html


# --- Forms with errors start with a summary that links to the fields ------------------------------------


def test_r8_3_a_form_with_errors_starts_with_a_summary_linking_to_the_field(sign_in):
    response = sign_in("owner@acme.test").post(CONTACTS + "add/", {"email": "not an email"})
    html = response.content.decode()
    assert response.status_code == 422
    summary = html[html.index('data-testid="error-summary"') :]
    assert 'role="alert"' in html[html.index('<div class="error-summary"') :][:200]
    assert '<a href="#id_email">Email — Enter a valid email address.</a>' in summary
    assert html.index('data-testid="error-summary"') < html.index('name="email"')


def test_r5_6_the_account_cancellation_summary_links_to_the_unticked_box(sign_in):
    client = sign_in("owner@acme.test")
    survey = client.get(CANCELLATIONS + "account/survey/").content.decode()
    assert re.search(r'<input type="checkbox" name="exported" id="id_exported" required>', survey)
    token = re.search(r'name="token" value="([^"]+)"', survey)[1]
    response = client.post(CANCELLATIONS + "account/confirm/", {"token": token, "reason": "closing"})
    assert response.status_code == 422
    assert 'href="#id_exported">I have exported my data, or I do not need it — This field is required.' in (
        response.content.decode()
    )


def test_r4_7_each_warning_box_is_required_so_the_dialog_waits_for_it(sign_in):
    client = sign_in("owner@vintage.test")
    select(client, item("Vintage 2019 Co", "support"))
    review = client.get(CANCELLATIONS + "review/").content.decode()
    assert 'name="acknowledge" value="tier1" id="id_acknowledge_tier1" required>' in review
    assert 'name="reason" required' in review


def test_r2_5_the_sign_in_form_lists_its_error_at_the_top(client):
    response = client.post("/login/", {"username": "owner@acme.test", "password": "wrong"})
    html = response.content.decode()
    assert 'data-testid="error-summary"' in html
    assert html.index('data-testid="error-summary"') < html.index('name="username"')
