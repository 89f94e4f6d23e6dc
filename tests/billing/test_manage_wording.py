"""R6.2, R6.5 on the Manage page, in English and French: unit prices per seat or per account, per month or per
year; the edition choice named as an upgrade or a downgrade; previews that say what they charge — never seats
of a product priced per account, the period an extension of temporary seats covers, "1 seat" not "1 seats"."""

import re
from datetime import date

import pytest

from accounts.models import Account
from billing.models import Charge, SubscriptionItem
from tests.helpers import MANAGE, change, demo_member, item, preview, text

pytestmark = pytest.mark.usefixtures("demo")
ACME, ASSISTED = "Acme Self-Service", "Online Assisted Ltd"


def cells(html: str, testid: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", c).replace("\xa0", " ").replace("\u202f", " ").strip()
        for c in re.findall(rf'data-testid="{testid}">([^<]*)<', html)
    ]


def options(html: str, name: str) -> list[str]:
    """The labels of every <select name=name> option on the page."""
    return [
        label.replace("\xa0", " ").replace("\u202f", " ")
        for select in re.findall(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, flags=re.S)
        for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)
    ]


def preview_text(response) -> str:
    """The visible text of the preview card alone."""
    html = re.search(r'data-testid="preview">(.*?)</section>', response.content.decode(), flags=re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").replace("\u202f", " ")


def what(response) -> str:
    found = re.search(r'data-testid="preview-what">([^<]*)<', response.content.decode())
    return found.group(1).replace("\xa0", " ").replace("\u202f", " ") if found else ""


# --- Unit prices next to each line and in the add-product choices --------------------------------------


@pytest.mark.parametrize(
    ("email", "french", "prices"),
    [
        (
            "owner@acme.test",
            False,
            [
                "$69.00 per agent seat per month",  # Support, seats section
                "$50.00 per agent seat per month",
                "$15.00 per agent seat per month",
                "$69.00 per agent seat per month",  # editions section: every line
                "$50.00 per agent seat per month",
                "$100.00 per account per month",  # Guide: priced per account
                "$15.00 per agent seat per month",
            ],
        ),
        (
            "owner@legacy-suite.test",
            False,
            ["1 428,00 € par licence d’agent et par an", "1 428,00 € par licence d’agent et par an"],
        ),
        (
            "owner@assisted.test",
            False,
            ["£1,200.00 per agent seat per year"],  # R3.7: on Enterprise, no Editions card
        ),
        (
            "billing@assisted.test",
            True,
            ["1 200,00 £GB par licence d’agent et par an"],
        ),
    ],
)
def test_r6_2_r6_5_each_line_shows_its_unit_price_per_seat_or_per_account_per_month_or_year(
    sign_in, email, french, prices
):
    if french:
        Account.objects.filter(name=ASSISTED).update(language="fr")
    html = sign_in(email).get(MANAGE).content.decode()
    assert cells(html, "unit-price") == prices


def test_r6_2_the_add_product_choices_say_how_each_product_is_priced_with_its_list_prices(sign_in):
    html = sign_in("owner@acme.test").get(MANAGE).content.decode()
    assert options(html, "product") == [
        "Explore · per account",
        "Sell · per agent seat",
        "Advanced AI (add-on) · per agent seat",
        "Workforce Management (add-on) · per agent seat",
    ]
    page = text(sign_in("owner@acme.test").get(MANAGE))
    assert "List prices per month Product Team Growth Professional Enterprise" in page
    assert "Explore per account $50.00 $100.00 $150.00 $300.00" in page
    assert "Sell per agent seat $19.00 $55.00 $115.00 $169.00" in page


def test_r6_2_r10_1_the_price_list_in_french_per_year(sign_in):
    page = text(sign_in("owner@legacy-suite.test").get(MANAGE))
    assert "Prix catalogue par an Produit Team Growth Professional Enterprise" in page
    assert "Explore par compte 480,00 € 960,00 € 1 440,00 € 2 880,00 €" in page
    assert "Sell par licence d’agent 180,00 € 528,00 € 1 104,00 € 1 620,00 €" in page


# --- The edition choice names each option as an upgrade or a downgrade ---------------------------------


def test_r6_2_the_edition_choice_names_upgrades_now_and_downgrades_from_the_next_period(sign_in):
    html = sign_in("owner@acme.test").get(MANAGE).content.decode()
    support = options(html, "edition")[:3]
    assert support == [
        "Team — downgrade, from December 11, 2026 · $25.00 per agent seat per month",
        "Growth — downgrade, from December 11, 2026 · $49.00 per agent seat per month",
        "Enterprise — upgrade, now · $125.00 per agent seat per month",
    ]
    assert "Enterprise — upgrade, now · $200.00 per account per month" in options(html, "edition")  # Guide


def test_r6_2_r10_1_the_edition_choice_in_french(sign_in):
    html = sign_in("owner@legacy-suite.test").get(MANAGE).content.decode()
    assert options(html, "edition")[:3] == [
        "Team — rétrogradation, à partir du 13 août 2027 · 852,00 € par licence d’agent et par an",
        "Growth — rétrogradation, à partir du 13 août 2027 · 1 140,00 € par licence d’agent et par an",
        "Enterprise — mise à niveau, maintenant · 1 908,00 € par licence d’agent et par an",
    ]


def test_r6_1_online_assisted_edition_choices_are_upgrades_only_and_named_so(sign_in):
    html = sign_in("owner@assisted.test").get(MANAGE).content.decode()
    assert all("— upgrade, now" in label for label in options(html, "edition") if "—" in label)
    assert not any("downgrade" in label for label in options(html, "edition"))


# --- R6.5: previews that say what they charge ----------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "says"),
    [
        ("owner@acme.test", "Add Explore Professional"),
        ("owner@legacy-suite.test", "Ajouter Explore Professional"),
    ],
)
def test_r6_5_a_product_priced_per_account_is_never_previewed_with_agent_seats(sign_in, email, says):
    previewed, confirmed = change(
        sign_in(email), kind="add_product", product="explore", edition="professional", seats=7
    )
    assert what(previewed) == says
    assert "seat" not in preview_text(previewed) and "licence" not in preview_text(previewed)
    assert confirmed.status_code == 302
    account = demo_member(email).account
    added = SubscriptionItem.objects.get(
        subscription__account=account, product__code="explore", ended_at=None
    )
    assert added.seats == 1
    description = Charge.objects.get(account=account).description
    assert "seat" not in description and "licence" not in description


@pytest.mark.parametrize("kind", ["add_seats", "remove_seats"])
def test_r6_5_seats_of_a_product_priced_per_account_are_refused(sign_in, kind):
    response = preview(sign_in("owner@acme.test"), kind=kind, item=item(ACME, "guide").pk, seats=7)
    assert response.status_code == 422
    assert "Guide is priced per account: it has no agent seats." in text(response)
    assert "7 agent seats" not in text(response)


@pytest.mark.parametrize(
    ("email", "says", "covers"),
    [
        (
            "owner@acme.test",
            "Extend the temporary seats of Support from January 5, 2027 to February 13, 2027",
            "for Jan 5, 2027 – Feb 13, 2027",
        ),
        (
            "billing@acme.test",
            "Prolonger les licences temporaires de Support du 5 janvier 2027 au 13 février 2027",
            "pour la période du 5 janvier 2027 au 13 février 2027",
        ),
    ],
)
def test_r6_5_extending_temporary_seats_says_the_period_it_covers(sign_in, email, says, covers):
    if "billing@" in email:
        Account.objects.filter(name=ACME).update(language="fr")
    support = item(ACME, "support")
    assert support.temporary_seats_end == date(2027, 1, 5)
    previewed, confirmed = change(
        sign_in(email), kind="extend_temporary", item=support.pk, until="2027-02-13"
    )
    assert what(previewed) == says
    html = previewed.content.decode().replace("\xa0", " ").replace("\u202f", " ")
    assert re.search(r'data-testid="charge-covers">([^<]*)<', html).group(1) == covers
    assert "prorated" not in preview_text(previewed) and "au prorata" not in preview_text(previewed)
    # 5 seats × $69 per 30 days × 39 days = $448.50: charged with the same words on its invoice line.
    charge = Charge.objects.get(account__name=ACME)
    assert (charge.amount, charge.description) == (44850, says)


def test_r6_5_one_seat_is_singular_everywhere(sign_in):
    client = sign_in("owner@contact-support.test")  # one member: one seat in use
    page = text(client.get(MANAGE))
    assert "1 member uses an agent seat." in page
    assert what(
        preview(client, kind="add_seats", item=item("Contact Support GmbH", "support").pk, seats=1)
    ) == ("Add 1 agent seat to Support")
    refused = text(
        preview(client, kind="remove_seats", item=item("Contact Support GmbH", "support").pk, seats=4)
    )
    assert "Support cannot go below 1 seat: 1 member uses an agent seat." in refused
    assert "1 seats" not in refused and "1 members" not in refused


def test_r6_5_r10_1_one_seat_is_singular_in_french(sign_in):
    Account.objects.filter(name="Contact Support GmbH").update(language="fr")
    client = sign_in("owner@contact-support.test")
    support = item("Contact Support GmbH", "support").pk
    assert (
        what(preview(client, kind="add_seats", item=support, seats=1))
        == "Ajouter 1 licence d’agent à Support"
    )
    refused = text(preview(client, kind="remove_seats", item=support, seats=4))
    assert "Support ne peut pas descendre sous 1 licence : 1 membre utilise une licence d’agent." in refused
