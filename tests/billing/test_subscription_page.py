"""R3 (and R2.3, R2.4, R1.4) on the Subscription page, for every demo role and account type."""

import re
from datetime import timedelta

import pytest

from billing.models import ScheduledChange, SubscriptionItem
from tests.helpers import NOW, demo_member, text

pytestmark = pytest.mark.usefixtures("demo")
URL = "/admin/account/billing/subscription/"


# (email, manage button, request-a-change, costs, managed notice, Cancellations link)
MATRIX = [
    ("owner@acme.test", True, False, True, False, False),
    ("billing@acme.test", True, False, True, False, False),
    ("admin@acme.test", False, False, True, False, False),
    ("owner@legacy-suite.test", True, False, True, False, True),
    ("billing@legacy-suite.test", True, False, True, False, False),
    ("owner@spp.test", True, False, True, False, False),
    ("owner@assisted.test", True, False, False, False, False),
    ("billing@assisted.test", True, False, False, False, False),
    ("admin@assisted.test", False, True, False, False, False),
    ("owner@managed.test", False, False, False, True, False),
    ("admin@managed.test", False, False, False, True, False),
    ("owner@trial.test", True, False, True, False, False),
    ("owner@contact-support.test", True, False, True, False, False),
    ("owner@vintage.test", True, False, True, False, False),
]


@pytest.mark.parametrize(("email", "manage", "request_change", "costs", "managed", "cancellations"), MATRIX)
def test_r3_subscription_page_for_every_demo_role_and_account_type(
    sign_in, email, manage, request_change, costs, managed, cancellations
):
    response = sign_in(email).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert ('data-testid="manage"' in html) is manage  # R2.3
    assert ('data-testid="request-change"' in html) is request_change  # R2.4
    assert ('data-testid="costs"' in html) is costs  # R3.2
    assert ('data-testid="managed-notice"' in html) is managed  # R2.3
    assert ('data-testid="cancellations-link"' in html) is cancellations  # R3.5
    assert 'data-testid="products"' in html and 'data-testid="payment"' in html  # R3.1


@pytest.mark.parametrize("email", ["agent@acme.test"])
def test_r1_4_agents_get_a_403_page_that_explains_why_with_a_way_back(sign_in, email):
    response = sign_in(email).get(URL)
    assert response.status_code == 403
    page = text(response)
    assert "Agents do not have access to billing" in page
    assert 'href="/admin/"' in response.content.decode()


def test_r1_3_staff_without_an_account_get_a_403_that_points_to_the_staff_console(sign_in):
    response = sign_in("support@staff.test").get(URL)
    assert response.status_code == 403
    assert "/staff/" in text(response)


def test_r3_1_edition_summary_cycle_period_payment_and_rows(sign_in):
    page = text(sign_in("owner@acme.test").get(URL))
    sub = demo_member("owner@acme.test").account.subscription
    assert "Billing cycle Monthly" in page
    assert f"Current period {sub.current_period_start:%b} {sub.current_period_start.day}, " in page
    assert "Next renewal" in page
    assert "Visa ending in 4242" in page and "Expires 12/2028" in page
    assert "Support Professional 12 agent seats" in page
    assert "Chat Professional 5 agent seats" in page
    assert "Guide Professional For the whole account" in page
    assert "Talk Team 3 agent seats" in page


def test_r3_2_costs_per_line_then_discount_then_total_in_exact_cents(sign_in):
    page = text(sign_in("owner@acme.test").get(URL))
    # Support 12 × $69.00, Chat 5 × $50.00, Guide $100.00, Talk 3 × $15.00 = $1,223.00; 10 % promo = $122.30.
    for expected in (
        "$828.00",
        "$250.00",
        "$100.00",
        "$45.00",
        "Subtotal $1,223.00",
        "Promotion · Welcome 10% −$122.30",
        "Total per month $1,100.70",
    ):
        assert expected in page
    assert page.index("Subtotal") < page.index("Welcome 10%") < page.index("Total per month")


def test_r3_2_suite_pricing_in_euros_for_a_french_account(sign_in):
    page = text(sign_in("owner@legacy-suite.test").get(URL))
    # 8 seats × 119,00 € × 12 months, one line for the Suite; its products say "Inclus".
    assert (
        "Support Suite Professional 8 licences d’agent · comprend Support, Chat, Guide, Talk 11 424,00 €"
        in page
    )
    assert page.count("Inclus dans Support Suite") == 4
    assert "Total par an 11 424,00 €" in page


@pytest.mark.parametrize("email", ["owner@assisted.test", "admin@managed.test"])
def test_r3_2_no_costs_on_sales_assisted_accounts(sign_in, email):
    page = text(sign_in(email).get(URL))
    assert "$" not in page and "£" not in page and "Total" not in page


def test_r3_3_temporary_seats_with_their_end_date(sign_in):
    response = sign_in("owner@acme.test").get(URL)
    end = NOW.date() + timedelta(days=45)
    assert f"+ 5 temporary seats until {end:%b} {end.day}, {end.year}" in text(response)


def test_r3_3_temporary_seats_hidden_when_the_edition_does_not_support_them(sign_in):
    SubscriptionItem.objects.filter(
        subscription__account__name="Acme Self-Service", product__code="support"
    ).update(edition="team")
    assert 'data-testid="temporary-seats"' not in sign_in("owner@acme.test").get(URL).content.decode()


def test_r3_4_lines_scheduled_to_end_show_ends_on(sign_in):
    owner = demo_member("owner@acme.test")
    talk = SubscriptionItem.objects.get(subscription__account=owner.account, product__code="talk")
    end = owner.account.subscription.current_period_end
    ScheduledChange.objects.create(
        account=owner.account,
        kind=ScheduledChange.Kind.REMOVE_ITEM,
        item=talk,
        effective_at=end,
        created_at=NOW,
    )
    html = sign_in("owner@acme.test").get(URL).content.decode()
    talk_row = re.search(r'data-product="talk">(.*?)</tr>', html, re.S).group(1)
    assert f"Ends on {end:%b} {end.day}, {end.year}" in talk_row
    assert html.count('data-testid="ends-on"') == 1


def test_r3_4_account_cancellation_shows_a_banner_and_ends_every_line(sign_in):
    owner = demo_member("owner@acme.test")
    end = owner.account.subscription.current_period_end
    ScheduledChange.objects.create(
        account=owner.account, kind=ScheduledChange.Kind.CANCEL_ACCOUNT, effective_at=end, created_at=NOW
    )
    client = sign_in("admin@acme.test")
    html = client.get(URL).content.decode()
    assert html.count('data-testid="ends-on"') == 4
    assert "This account is cancelled from" in html
    assert 'data-testid="cancellation-banner"' in client.get("/admin/").content.decode()  # every page


def test_r3_trial_accounts_say_when_the_trial_ends(sign_in):
    end = NOW.date() + timedelta(days=10)
    assert f"You are on a trial that ends on {end:%B} {end.day}, {end.year}" in text(
        sign_in("owner@trial.test").get(URL)
    )


def test_r10_1_french_subscription_page(sign_in):
    page = text(sign_in("owner@legacy-suite.test").get(URL))
    for label in (
        "Abonnement",
        "Gérer",
        "Cycle de facturation",
        "Annuel",
        "Informations de paiement",
        "Mastercard se terminant par 4444",
        "Produit",
        "Édition",
        "Détails",
        "Coût",
        "Résiliations",
    ):
        assert label in page


def test_r3_5_recent_accounts_have_the_removal_link_on_the_manage_page(sign_in):
    html = sign_in("owner@acme.test").get(URL + "manage/").content.decode()
    assert 'data-testid="remove-products-link"' in html and "Remove products or cancel account" in html
    legacy = sign_in("owner@legacy-suite.test").get(URL + "manage/").content.decode()
    assert 'data-testid="remove-products-link"' not in legacy


def test_r3_5_french_label_of_the_removal_link(sign_in):
    client = sign_in("owner@acme.test")
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert "Supprimez des produits ou résiliez le compte" in client.get(URL + "manage/").content.decode()


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("owner@acme.test", 200),
        ("billing@acme.test", 200),
        ("admin@acme.test", 403),
        ("agent@acme.test", 403),
        ("owner@assisted.test", 200),
        ("admin@assisted.test", 403),
        ("owner@managed.test", 403),  # R2.3: managed accounts cannot modify anything
        ("admin@managed.test", 403),
    ],
)
def test_r6_1_manage_page_only_for_those_who_may_modify(sign_in, email, status):
    assert sign_in(email).get(URL + "manage/").status_code == status


@pytest.mark.parametrize(
    ("email", "status"),
    [("owner@legacy-suite.test", 200), ("billing@legacy-suite.test", 403), ("owner@managed.test", 403)],
)
def test_r4_1_cancellations_page_is_for_owners_of_self_service_accounts(sign_in, email, status):
    assert sign_in(email).get("/admin/account/billing/cancellations/").status_code == status


def test_account_without_subscription_says_so(sign_in):
    owner = demo_member("owner@acme.test")
    owner.account.subscription.delete()
    assert "This account has no subscription yet." in text(sign_in("owner@acme.test").get(URL))
