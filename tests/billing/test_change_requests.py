"""R2.4: non-billing admins of online-assisted accounts request changes; support staff decide in /staff/."""

import pytest
from django.core import mail
from django.test import Client

from billing.models import BillingEvent, SubscriptionChangeRequest
from tests.factories import MembershipFactory
from tests.helpers import demo_member, new_events

pytestmark = pytest.mark.usefixtures("demo")
URL = "/admin/account/billing/subscription/change-requests/"
PAGE = "/admin/account/billing/subscription/"


def test_r2_4_admin_of_online_assisted_account_sends_a_request(sign_in, django_capture_on_commit_callbacks):
    client = sign_in("admin@assisted.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"what": "Add 10 agent seats", "why": "New support team in Lyon"})
    assert response.status_code == 302 and response["Location"] == PAGE
    change_request = SubscriptionChangeRequest.objects.get()
    assert change_request.account.name == "Online Assisted Ltd"
    assert change_request.status == SubscriptionChangeRequest.Status.PENDING
    event = new_events().get(kind=BillingEvent.Kind.CHANGE_REQUESTED)
    assert event.actor_label == "admin@assisted.test" and event.after["what"] == "Add 10 agent seats"
    assert [m.to for m in mail.outbox] == [["support@example.test"]]
    page = client.get(PAGE).content.decode()
    assert "Your request was sent to support." in page and "Add 10 agent seats" in page and "Pending" in page


def test_r2_4_htmx_request_returns_the_partial_with_the_new_status(sign_in):
    response = sign_in("admin@assisted.test").post(URL, {"what": "Upgrade Guide"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="request-change"' in html
    assert "Upgrade Guide" in html and "Your request was sent to support." in html


@pytest.mark.parametrize("htmx", [False, True])
def test_r2_4_an_empty_request_is_refused_with_a_clear_message_and_changes_nothing(sign_in, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = sign_in("admin@assisted.test").post(URL, {"what": "  "}, **headers)
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert ("<html" in response.content.decode()) is not htmx
    assert not SubscriptionChangeRequest.objects.exists()


def test_r2_4_overlong_input_is_refused(sign_in):
    response = sign_in("admin@assisted.test").post(URL, {"what": "x" * 201})
    assert response.status_code == 422
    assert not SubscriptionChangeRequest.objects.exists()


@pytest.mark.parametrize(
    "email",
    [
        "owner@managed.test",  # managed accounts: no requests (R2 last row)
        "admin@managed.test",
        "admin@acme.test",  # self-service: no requests (R2 last row)
        "agent@acme.test",  # R1.4
        "owner@assisted.test",  # owners and billing admins change it themselves
        "billing@assisted.test",
        "support@staff.test",  # staff belong to no account
    ],
)
def test_r2_5_forbidden_request_posts_get_403_and_change_nothing(sign_in, email):
    response = sign_in(email).post(URL, {"what": "Add seats"})
    assert response.status_code == 403
    assert not SubscriptionChangeRequest.objects.exists()
    assert not new_events().exists()


def test_r2_5_a_tampered_account_field_is_ignored_the_request_stays_in_the_posters_account(sign_in):
    other = demo_member("owner@acme.test").account
    sign_in("admin@assisted.test").post(URL, {"what": "Add seats", "account": other.pk, "status": "approved"})
    change_request = SubscriptionChangeRequest.objects.get()
    assert change_request.account.name == "Online Assisted Ltd"
    assert change_request.status == SubscriptionChangeRequest.Status.PENDING


def test_r2_5_missing_csrf_token_is_refused():
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(demo_member("admin@assisted.test").user)
    assert csrf_client.post(URL, {"what": "Add seats"}).status_code == 403
    assert not SubscriptionChangeRequest.objects.exists()


def test_r2_5_get_on_the_post_only_url_is_refused(sign_in):
    assert sign_in("admin@assisted.test").get(URL).status_code == 405


def test_requester_sees_only_their_own_requests(sign_in, client_for):
    colleague = MembershipFactory(account=demo_member("admin@assisted.test").account, admin=True)
    sign_in("admin@assisted.test").post(URL, {"what": "Mine"})
    page = client_for(colleague).get(PAGE).content.decode()
    assert 'id="request-change"' in page and "Mine" not in page
