"""Seeds 000 and 002 to the letter (issue 19): legacy Chat explained with the way to cancel it (R4.9), an SPP
page without a list of products "you can cancel" and a downgrade request that is asked once (R4.8), the tier-1
warning that names what keeps the account (R4.7), the account type on the Manage page without empty cards
(R3.7), and the French wording and dates (R10.1)."""

import re
from datetime import date
from urllib.parse import quote

import pytest
import time_machine
from django.utils import translation
from django.utils.formats import date_format

from accounts.models import Account
from billing.models import EmailLog, SubscriptionChangeRequest
from billing.money import format_day
from tests.helpers import CANCELLATIONS, MANAGE, SUBSCRIPTION, TODAY, item, new_events, select, text

pytestmark = pytest.mark.usefixtures("demo")
VINTAGE, SPP, ASSISTED = "Vintage 2019 Co", "SPP Corp", "Online Assisted Ltd"
HOW_CHAT_IS_CANCELLED = (
    "How a Chat subscription is cancelled depends on how your Chat account was created and is integrated "
    "with Support. Chat accounts created since October 7, 2020 are all Chat Phase 4 accounts and are removed "
    "here like any product. Yours is older and was not migrated to Chat Phase 4: customer support cancels it "
    "for you."
)
ASK_SUPPORT = "mailto:support@example.test?subject=" + quote("Cancel Chat — Vintage 2019 Co")


def _french(name: str) -> None:
    Account.objects.filter(name=name).update(language="fr")


# --- R4.9: legacy Chat, the explanation and the way ---------------------------------------------------


def test_r4_9_the_legacy_chat_row_leads_to_how_chat_is_cancelled_and_to_support(sign_in):
    html = sign_in("owner@vintage.test").get(CANCELLATIONS).content.decode()
    chat_row = re.search(r'data-product="chat">(.*?)</tr>', html, re.S).group(1)
    assert 'href="#legacy-chat-title">How to cancel Chat</a>' in chat_row
    section = re.search(r'data-testid="legacy-chat">(.*?)</section>', html, re.S).group(1)
    assert HOW_CHAT_IS_CANCELLED in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    assert f'href="{ASK_SUPPORT}"' in section and "Ask support to cancel Chat" in section


def test_r4_9_the_review_warning_gives_the_same_explanation_and_way(sign_in):
    client = sign_in("owner@vintage.test")
    select(client, item(VINTAGE, "guide"))
    html = client.get(CANCELLATIONS + "review/").content.decode()
    warning = re.search(r'data-testid="warning-legacy_chat">(.*?)</div>', html, re.S).group(1)
    assert "Chat is not part of this cancellation." in warning
    assert HOW_CHAT_IS_CANCELLED in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", warning))
    assert f'href="{ASK_SUPPORT}"' in warning


def test_r4_9_phase4_chat_has_no_legacy_chat_explanation(sign_in):
    html = sign_in("owner@acme.test").get(CANCELLATIONS).content.decode()
    assert 'data-testid="legacy-chat"' not in html and "How to cancel Chat" not in html


# --- R4.8: SPP, nothing to cancel one by one; the downgrade is asked once --------------------------------


def test_r4_8_spp_page_has_no_products_you_can_cancel_and_no_empty_summary(sign_in):
    response = sign_in("owner@spp.test").get(CANCELLATIONS)
    html, page = response.content.decode(), text(response)
    assert "Products you can cancel" not in page and "Your products" in page
    assert 'data-testid="summary"' not in html and "with Remove" not in page
    assert (
        "On an SPP account (simplified pricing and packaging), you cannot cancel the products of a Zendesk "
        "Suite account individually, but you can contact Zendesk customer support to downgrade to a "
        "Support-only account." in page
    )
    assert ">Contact support to downgrade to Support only</button>" in html


def test_r4_3_a_self_service_page_keeps_its_list_and_summary(sign_in):
    response = sign_in("owner@acme.test").get(CANCELLATIONS)
    assert "Products you can cancel" in text(response)
    assert "Select the products you want to cancel with Remove." in text(response)


def test_r4_8_once_asked_the_button_is_replaced_by_the_date_of_the_request_and_a_replay_changes_nothing(
    sign_in,
):
    client = sign_in("owner@spp.test")
    assert client.post(CANCELLATIONS + "downgrade/").status_code == 302
    events, emails = new_events().count(), EmailLog.objects.count()
    html = client.get(CANCELLATIONS).content.decode()  # a reload: the state is the server's
    assert ">Contact support to downgrade to Support only</button>" not in html
    requested = re.search(r'data-testid="downgrade-requested">(.*?)</p>', html, re.S).group(1)
    assert "Request sent on November 30, 2026" in requested and "Pending" in requested

    again = client.post(CANCELLATIONS + "downgrade/", follow=True)
    assert "You already asked support to downgrade to Support only, on November 30, 2026." in text(again)
    assert SubscriptionChangeRequest.objects.filter(account__name=SPP).count() == 1
    assert new_events().count() == events and EmailLog.objects.count() == emails
    assert ">Contact support to downgrade to Support only</button>" not in again.content.decode()


def test_r4_8_a_declined_request_can_be_asked_again(sign_in):
    client = sign_in("owner@spp.test")
    client.post(CANCELLATIONS + "downgrade/")
    SubscriptionChangeRequest.objects.update(status="declined", staff_note="Call us first.")
    html = client.get(CANCELLATIONS).content.decode()
    assert ">Contact support to downgrade to Support only</button>" in html and "Call us first." in html


# --- R4.7: what keeps the account, and what happens without it -------------------------------------------


def test_r4_7_vintage_tier1_warning_names_the_product_that_keeps_the_account(sign_in):
    client = sign_in("owner@vintage.test")
    select(client, item(VINTAGE, "support"))
    html = client.get(CANCELLATIONS + "review/").content.decode()
    warning = re.sub(r"\s+", " ", re.search(r'data-testid="warning-tier1">(.*?)</div>', html, re.S).group(1))
    assert "Removing Support may also cancel your account." in warning
    assert '<strong data-testid="account-stays">Chat remains: your account stays active.</strong>' in warning
    assert (
        "If no Support or Chat product remained, your account would be cancelled on December 11, 2026, with "
        "the removed products." in warning
    )
    assert 'data-testid="account-ends"' not in warning


def test_r4_7_r10_1_the_tier1_warning_in_french(sign_in):
    _french(VINTAGE)
    client = sign_in("owner@vintage.test")
    select(client, item(VINTAGE, "support"))
    page = text(client.get(CANCELLATIONS + "review/"))
    assert "Chat est conservé : votre compte reste actif." in page
    assert "votre compte serait résilié le 11 décembre 2026" in page


# --- R3.7 / seed 002: the account type on the Manage page, no empty card ---------------------------------


def test_r3_7_the_online_assisted_manage_page_states_the_account_type_and_shows_no_empty_card(sign_in):
    response = sign_in("owner@assisted.test").get(MANAGE)
    html, page = response.content.decode(), text(response)
    assert 'data-testid="account-type" data-kind="online_assisted"' in html
    assert "Account type: Online-assisted" in page
    assert "you cannot downgrade your edition or cancel your products" in page
    assert 'data-testid="editions-section"' not in html  # Enterprise everywhere: nothing to change
    assert not re.search(r"<tbody>\s*</tbody>", html)
    for section in re.findall(r'<section class="card"[^>]*>(.*?)</section>', html, re.S):
        assert re.sub(r"<h2.*?</h2>|<[^>]+>|\s", "", section, flags=re.S), section


def test_r3_7_the_self_service_manage_page_states_its_account_type_too(sign_in):
    page = text(sign_in("owner@acme.test").get(MANAGE))
    assert "Account type: Self-service" in page and "Editions" in page


# --- R10.1: French wording and one date format -----------------------------------------------------------


def test_r10_1_notice_is_a_preavis_not_an_opinion(sign_in):
    Account.objects.filter(name=ASSISTED).update(language="fr")
    page = text(sign_in("admin@assisted.test").get(SUBSCRIPTION))
    assert "envoyez votre préavis au plus tard le 14 juillet 2027" in page
    assert "Comment envoyer votre préavis" in page
    assert "avis" not in page.lower().replace("préavis", "")  # "donnez votre avis" read as an opinion


def test_r10_1_r4_10_the_seats_pointer_reads_as_natural_french(sign_in):
    html = sign_in("owner@legacy-suite.test").get(CANCELLATIONS).content.decode()
    assert (
        "Vous préférez garder un produit avec moins d’agents ? Vous pouvez plutôt "
        f'<a href="{MANAGE}">supprimer des licences d’agent</a>.' in html
    )


@pytest.mark.parametrize("day", [date(2027, 7, 14), date(2027, 8, 13), date(2026, 12, 11), date(2027, 2, 13)])
def test_r10_1_french_dates_write_the_month_in_full_in_every_style(day):
    with translation.override("fr"):
        assert format_day(day) == format_day(day, "long") == date_format(day)
        assert not re.search(r"\.", format_day(day))


def test_r10_1_django_dates_read_like_the_apps_in_english():
    with translation.override("en"):
        assert date_format(date(2026, 11, 30)) == format_day(date(2026, 11, 30)) == "Nov 30, 2026"


@pytest.mark.parametrize(
    ("email", "path"),
    [
        ("owner@legacy-suite.test", SUBSCRIPTION),
        ("owner@legacy-suite.test", MANAGE),
        ("owner@legacy-suite.test", CANCELLATIONS),
        ("owner@legacy-suite.test", "/admin/account/billing/invoices/"),
        ("owner@legacy-suite.test", "/admin/account/billing/history/"),
        ("admin@assisted.test", SUBSCRIPTION),
    ],
)
def test_r10_1_no_french_page_abbreviates_a_month(sign_in, email, path):
    _french(ASSISTED)
    response = sign_in(email).get(path)
    assert response.status_code == 200
    found = re.findall(r"\d{1,2} (?:janv|févr|avr|juil|sept|oct|nov|déc)\. \d{4}", text(response))
    assert found == []


def test_r4_8_a_replay_at_the_same_instant_is_still_told_it_was_already_asked(sign_in):
    """The service says whether it made the request: a frozen test clock's second POST is a replay too."""
    client = sign_in("owner@spp.test")
    with time_machine.travel(TODAY, tick=False):
        first = client.post(CANCELLATIONS + "downgrade/", follow=True)
        again = client.post(CANCELLATIONS + "downgrade/", follow=True)
    assert "was sent to support" in text(first) and "already asked" not in text(first)
    assert "You already asked support to downgrade to Support only" in text(again)
    assert "was sent to support" not in text(again)
    assert SubscriptionChangeRequest.objects.filter(account__name=SPP).count() == 1
