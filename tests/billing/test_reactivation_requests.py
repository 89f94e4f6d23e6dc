"""R8.10 (with R8.5): the owner of an account cancelled for non-payment asks for a temporary reactivation from
the sign-in refusal — only after the right password — and support staff grant or refuse it in /staff/."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.access import REFUSED_SIGN_IN, REFUSED_SIGN_IN_SECONDS
from accounts.models import Account
from billing.lifecycle.deletion import account_data_delete
from billing.models import BillingEvent, DunningCase, Invoice, SupportRequest
from devtools.demo import PASSWORD
from tests.helpers import NOW, new_events, text

pytestmark = pytest.mark.usefixtures("demo")
LOGIN = "/login/"
ASK = "/admin/reactivation-request/"
KEY = "0b7c4a52-6f4e-4d8e-9a55-3d7c1f0e2a11"


@pytest.fixture
def suspended():
    """Acme, cancelled for non-payment (R8.5), its failed invoice being chased."""
    account = Account.objects.get(name="Acme Self-Service")
    invoice = Invoice.objects.filter(account=account).exclude(status="draft").latest("issued_at")
    DunningCase.objects.create(
        account=account,
        invoice=invoice,
        status=DunningCase.Status.SUSPENDED,
        started_at=invoice.issued_at,
        suspend_at=invoice.issued_at + timedelta(days=29),
    )
    Account.objects.filter(pk=account.pk).update(status=Account.Status.SUSPENDED)
    return account


def refused(client, email="owner@acme.test", password=PASSWORD):
    """Sign in and be refused; the client keeps the key of the request the refusal offers, if any."""
    response = client.post(LOGIN, {"username": email, "password": password})
    offered = re.search(r'name="key" value="([^"]+)"', response.content.decode())
    if offered:
        client.offer_key = offered[1]
    return response


def ask(client, message="Our card expired; we want to update it."):
    return client.post(ASK, {"key": getattr(client, "offer_key", KEY), "message": message})


def without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=|x-csrftoken": )"[^"]+"', "", html)


def test_r8_10_the_owners_refusal_offers_a_reactivation_request(client, suspended):
    page = text(refused(client))
    assert "cancelled for non-payment" in page
    assert "Ask for a temporary reactivation" in page


def test_r8_10_a_wrong_password_shows_what_any_failed_sign_in_shows(client, suspended):
    wrong = refused(client, password="not-the-password")
    unknown = refused(client, email="nobody@nowhere.test", password="not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    # The same page, but for the email typed back into the form.
    as_typed = unknown.content.decode().replace("nobody@nowhere.test", "owner@acme.test")
    assert without_tokens(wrong.content.decode()) == without_tokens(as_typed)
    assert "Ask for a temporary reactivation" not in text(wrong)
    assert REFUSED_SIGN_IN not in client.session
    # Nor can the request be sent after it.
    assert ask(client).status_code == 403
    assert not SupportRequest.objects.exists()


@pytest.mark.parametrize("email", ["admin@acme.test", "billing@acme.test"])
def test_r8_10_other_members_are_refused_without_an_offer_and_cannot_ask(client, suspended, email):
    page = text(refused(client, email=email))
    assert "cancelled for non-payment" in page and "Ask for a temporary reactivation" not in page
    assert ask(client).status_code == 403
    assert not SupportRequest.objects.exists()


def test_r8_10_the_owner_asks_and_gets_a_confirmation(client, suspended, django_capture_on_commit_callbacks):
    refused(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ASK, {"key": client.offer_key, "message": "Card expired."}, follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert "Your request for a temporary reactivation was sent to support" in text(response)
    request = SupportRequest.objects.get()
    assert (request.kind, request.status, request.message) == ("reactivation", "open", "Card expired.")
    assert request.requested_by.email == "owner@acme.test" and request.account == suspended
    assert new_events().filter(kind=BillingEvent.Kind.REACTIVATION_REQUESTED).count() == 1
    confirmation = next(m for m in mail.outbox if m.to == ["owner@acme.test"])
    assert confirmation.subject == "We received your request for a temporary reactivation"
    assert any(m.to == ["support@example.test"] for m in mail.outbox)
    # Sent again (double click, or a second form): still one request waiting.
    assert ask(client).status_code == 302
    refused(client)
    assert ask(client, message="").status_code == 302
    assert SupportRequest.objects.count() == 1


def test_r8_10_a_refusal_offers_one_request_never_one_for_another_form_or_a_later_sign_in(client, suspended):
    """The right password gives one request's key: another key, or the session after someone signed in
    with it, sends nothing."""
    refused(client)
    offered = client.offer_key
    client.offer_key = "1b7c4a52-6f4e-4d8e-9a55-3d7c1f0e2a11"
    assert ask(client).status_code == 403
    client.offer_key = offered
    assert (
        client.post(LOGIN, {"username": "owner@legacy-suite.test", "password": PASSWORD}).status_code == 302
    )
    assert ask(client).status_code == 403  # signed in as someone else: Acme's refusal is gone
    assert not SupportRequest.objects.exists()


def test_r8_10_anonymous_or_expired_sessions_cannot_ask(client, suspended):
    assert ask(client).status_code == 403  # never signed in
    refused(client)
    later = time_machine.travel(timedelta(seconds=REFUSED_SIGN_IN_SECONDS + 5))
    with later:
        response = ask(client)
    assert response.status_code == 403 and "Sign in again" in text(response)
    assert client.get(ASK).status_code == 405
    assert not SupportRequest.objects.exists()


def test_r8_10_a_too_long_message_is_refused_and_nothing_stored(client, suspended):
    refused(client)
    response = ask(client, message="x" * 2001)
    assert response.status_code == 422 and "at most 2000 characters" in text(response)
    assert not SupportRequest.objects.exists()


def test_r8_10_the_request_goes_through_the_sign_in_throttle(client, suspended, settings):
    refused(client)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        refused(client, password="wrong")
    response = ask(client)
    assert response.status_code == 429 and "Too many sign-in attempts" in text(response)
    assert not SupportRequest.objects.exists()


def _asked(client) -> SupportRequest:
    refused(client)
    assert ask(client).status_code == 302
    mail.outbox.clear()
    return SupportRequest.objects.get()


def test_r8_10_staff_grant_it_and_the_owner_may_update_the_card(
    client, suspended, sign_in, django_capture_on_commit_callbacks
):
    request = _asked(client)
    url = reverse("admin:billing_supportrequest_change", args=[request.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in("support@staff.test").post(
            url, {"answer": "grant", "reply": "Granted for a week."}
        )
    assert response.status_code == 302
    request.refresh_from_db()
    case = DunningCase.objects.get(account=suspended, status="suspended")
    assert request.status == "answered" and request.granted_until == case.reactivated_until is not None
    assert new_events().filter(kind=BillingEvent.Kind.TEMPORARY_REACTIVATION).count() == 1
    (answer,) = mail.outbox
    assert answer.to == ["owner@acme.test"] and answer.subject == "Your account is reactivated temporarily"
    assert "Granted for a week." in answer.body and "update the payment method" in answer.body
    signed_in = client.post(LOGIN, {"username": "owner@acme.test", "password": PASSWORD}, follow=True)
    assert signed_in.redirect_chain[-1][0] == "/admin/account/billing/payment/"


def test_r8_10_staff_refuse_it_with_a_reply(client, suspended, sign_in, django_capture_on_commit_callbacks):
    request = _asked(client)
    url = reverse("admin:billing_supportrequest_change", args=[request.pk])
    staff = sign_in("support@staff.test")
    assert "Write the reply" in text(staff.post(url, {"answer": "refuse", "reply": ""}, follow=True))
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(url, {"answer": "refuse", "reply": "The data is due for deletion."})
    request.refresh_from_db()
    assert request.status == "closed" and request.granted_until is None
    assert DunningCase.objects.get(account=suspended, status="suspended").reactivated_until is None
    (answer,) = mail.outbox
    assert answer.subject == "Your request for a temporary reactivation was refused"
    assert "The data is due for deletion." in answer.body
    # Closed: a later "grant" posted to it changes nothing.
    staff.post(url, {"answer": "grant", "reply": ""})
    request.refresh_from_db()
    assert request.status == "closed"
    assert not DunningCase.objects.filter(account=suspended, reactivated_until__isnull=False).exists()


def test_r8_10_the_request_form_and_its_refusal_are_in_french(client, suspended):
    client.cookies["django_language"] = "fr"
    page = text(refused(client))
    assert "Demander une réactivation temporaire" in page


def test_r8_6_the_accounts_requests_go_with_its_data(client, suspended):
    _asked(client)
    account_data_delete(account=suspended, at=NOW + timedelta(days=120))
    assert not SupportRequest.objects.exists()
    (asked,) = BillingEvent.objects.filter(account=suspended, kind=BillingEvent.Kind.REACTIVATION_REQUESTED)
    assert asked.after == {} and asked.actor_label == "deleted member"  # its message is forgotten
