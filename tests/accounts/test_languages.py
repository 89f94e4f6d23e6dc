"""R10.1: a person's language is theirs — chosen with the EN/FR switch, kept on their user, spoken by every
page they open (on any browser) and by every email sent to them; without a choice, their account's."""

import re

import pytest
from django.test import Client

from accounts.models import User
from tests.factories import MembershipFactory, UserFactory

HOME = "/admin/"
SWITCH = "/i18n/setlang/"


def language_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.search(r'<html lang="(\w+)"', response.content.decode()).group(1)


@pytest.fixture
def member(db):
    return MembershipFactory(account__language="en")


def test_r10_1_the_switch_keeps_a_members_choice_on_their_user(member, client_for):
    client = client_for(member)
    response = client.post(SWITCH, {"language": "fr", "next": HOME})
    assert response.status_code == 302 and response["Location"] == HOME
    member.user.refresh_from_db()
    assert member.user.language == "fr"
    assert language_of(client.get(HOME)) == "fr"
    # Another browser, with no cookie and asking for English: still the person's French.
    elsewhere = client_for(member)
    assert language_of(elsewhere.get(HOME, HTTP_ACCEPT_LANGUAGE="en")) == "fr"


def test_r10_1_a_members_choice_wins_over_the_accounts_language_and_the_cookie(member, client_for):
    member.account.language = "fr"
    member.account.save()
    client = client_for(member)
    assert language_of(client.get(HOME, HTTP_ACCEPT_LANGUAGE="en")) == "fr"  # no choice: the account's
    User.objects.filter(pk=member.user.pk).update(language="en")
    client.cookies["django_language"] = "fr"
    assert language_of(client.get(HOME)) == "en"  # the person's own choice


def test_r10_1_a_member_without_a_choice_reads_the_accounts_language(member, client_for):
    client = client_for(member)
    client.cookies["django_language"] = "fr"  # a visitor's choice, left in this browser by someone
    assert language_of(client.get(HOME, HTTP_ACCEPT_LANGUAGE="fr")) == "en"


def test_r10_1_a_visitor_switches_with_a_cookie_and_nothing_is_stored(member):
    visitor = Client()
    response = visitor.post(SWITCH, {"language": "fr", "next": "/login/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "fr"
    assert "Connexion au Centre d’administration" in visitor.get("/login/").content.decode()
    assert not User.objects.exclude(language="").exists()


def test_r10_1_the_language_chosen_on_the_sign_in_page_becomes_the_persons(member):
    member.user.set_password("Demo-2026!")
    member.user.save()
    browser = Client()
    browser.post(SWITCH, {"language": "fr", "next": "/login/"})
    response = browser.post("/login/", {"username": member.user.email, "password": "Demo-2026!"})
    assert response.status_code == 302
    member.user.refresh_from_db()
    assert member.user.language == "fr"
    assert language_of(browser.get(HOME)) == "fr"


def test_r10_1_signing_in_never_overrides_a_choice_made_before(member):
    User.objects.filter(pk=member.user.pk).update(language="en")
    member.user.set_password("Demo-2026!")
    member.user.save(update_fields=["password"])
    browser = Client()
    browser.cookies["django_language"] = "fr"
    browser.post("/login/", {"username": member.user.email, "password": "Demo-2026!"})
    assert User.objects.get(pk=member.user.pk).language == "en"
    assert language_of(browser.get(HOME)) == "en"


@pytest.mark.parametrize("language", ["de", "", "fr-xx"])
def test_r10_1_an_unknown_language_changes_nothing(member, client_for, language):
    client = client_for(member)
    response = client.post(SWITCH, {"language": language, "next": HOME})
    assert response.status_code == 302
    assert User.objects.get(pk=member.user.pk).language == ""
    assert language_of(client.get(HOME)) == "en"


def test_r10_1_the_switch_takes_posts_only(member, client_for):
    client = client_for(member)
    assert client.get(SWITCH + "?language=fr").status_code == 405
    assert User.objects.get(pk=member.user.pk).language == ""


def test_r10_1_staff_read_the_console_in_their_language(db, client_for):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(staff)
    assert language_of(client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en")) == "en"  # no account, no choice
    client.post(SWITCH, {"language": "fr", "next": "/staff/"})
    assert User.objects.get(pk=staff.pk).language == "fr"
    assert language_of(client_for(staff).get("/staff/", HTTP_ACCEPT_LANGUAGE="en")) == "fr"
