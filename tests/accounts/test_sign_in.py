"""R1: sign in with email and password, land where the role belongs; R10: labels in both languages."""

import pytest
from django.utils import timezone

from accounts.models import Account
from devtools.demo import PASSWORD

pytestmark = pytest.mark.usefixtures("demo")


@pytest.mark.parametrize(
    ("email", "lands_on"),
    [
        ("owner@acme.test", "/admin/account/billing/subscription/"),
        ("billing@acme.test", "/admin/account/billing/subscription/"),
        ("admin@acme.test", "/admin/account/billing/subscription/"),
        ("agent@acme.test", "/admin/"),
        ("owner@managed.test", "/admin/account/billing/subscription/"),
        ("support@staff.test", "/staff/"),
    ],
)
def test_r1_1_sign_in_lands_billing_users_on_subscription_and_agents_home(client, email, lands_on):
    response = client.post("/login/", {"username": email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == lands_on
    assert response.status_code == 200


def test_r1_1_wrong_password_is_refused_with_a_message(client):
    response = client.post("/login/", {"username": "owner@acme.test", "password": "nope"})
    assert response.status_code == 200
    assert "The email or password is not correct." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_page_labels_in_english(client):
    html = client.get("/login/").content.decode()
    for label in ("Email", "Password", "Sign in"):
        assert label in html


def test_r10_1_login_page_labels_in_french(client):
    html = client.get("/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for label in ("E-mail", "Mot de passe", "Se connecter"):
        assert label in html


def test_logout_is_a_post_and_ends_the_session(sign_in):
    client = sign_in("owner@acme.test")
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/admin/account/billing/subscription/").status_code == 302


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/account/billing/subscription/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_r5_3_members_of_a_cancelled_account_cannot_sign_in(client, sign_in):
    signed_in = sign_in("admin@acme.test")
    Account.objects.filter(name="Acme Self-Service").update(status=Account.Status.CANCELLED)
    response = client.post("/login/", {"username": "owner@acme.test", "password": PASSWORD})
    assert "This account has been cancelled" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # A session opened before the cancellation does not outlive it.
    assert signed_in.get("/admin/account/billing/subscription/")["Location"] == "/login/"
    assert "_auth_user_id" not in signed_in.session


def test_r5_3_a_signed_out_member_reads_why_in_the_language_of_the_sign_in_page(sign_in):
    """The account speaks French, the browser English: the sign-in page, and its message, are in English."""
    signed_in = sign_in("owner@legacy-suite.test")
    Account.objects.filter(name="Legacy Suite SARL").update(status=Account.Status.CANCELLED)
    page = signed_in.get("/admin/", HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert '<html lang="en"' in page and "This account has been cancelled" in page


def test_r10_1_members_of_a_french_account_see_french_unless_they_switch(sign_in):
    client = sign_in("owner@legacy-suite.test")
    assert "Abonnement" in client.get("/admin/account/billing/subscription/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert ">Subscription<" in client.get("/admin/account/billing/subscription/").content.decode()


def test_language_switch_to_french(sign_in):
    client = sign_in("owner@acme.test")
    response = client.post(
        "/i18n/setlang/", {"language": "fr", "next": "/admin/account/billing/subscription/"}, follow=True
    )
    html = response.content.decode()
    assert "Gérer" in html and "Récapitulatif de l’édition" in html
    assert timezone.now()  # the switch itself needs no account change
