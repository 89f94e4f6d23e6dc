"""R9.4 on the owner's pages: the Billing history and the Payment page's activity read as sentences in the
page's language — no internal codes, JSON, ISO dates or gateway references — while staff keep the raw
record in the Django admin (R9.3)."""

import re
import uuid

import pytest

from billing.models import BillingEvent
from tests.helpers import NOW, change, item, new_events, text

HISTORY = "/admin/account/billing/history/"
PAYMENT = "/admin/account/billing/payment/"
INTERNALS = re.compile(r"\{|\d{4}-\d{2}-\d{2}|sbx_|\b[a-z]+_[a-z_]+\b|\bsystem\b")


def in_french(client):
    client.post("/i18n/setlang/", {"language": "fr"})  # the EN/FR switch: kept on the user (R10.1)
    return client


def card(client, number):
    data = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123", "attempt_key": uuid.uuid4()}
    return client.post(PAYMENT + "card/", data)


def assert_no_internals(page: str) -> None:
    assert not INTERNALS.search(page), INTERNALS.search(page).group(0) + " in " + page[:2000]


@pytest.mark.django_db
def test_r9_4_the_owner_reads_the_billing_history_as_sentences_in_english_and_french(sign_in):
    client = sign_in("owner@acme.test")
    change(client, kind="add_seats", item=item("Acme Self-Service", "support").pk, seats=3)
    assert card(client, "5555 5555 5555 4444").status_code == 302
    recorded = dict(new_events().values_list("kind", "summary"))
    assert "add_seats" in recorded["seats_added"]  # the staff's record keeps its internal summary

    english = text(client.get(HISTORY))
    assert "Support went from 12 to 15 agent seats." in english
    assert "The card on file changed from Visa ending in 4242 to Mastercard ending in 4444." in english
    # The newest of the demo's invoices, its current period's (its older ones are on the next pages).
    assert "Invoice INV-0001-00012 issued for $1,100.70, due on November 11, 2026." in english
    assert "owner@acme.test" in english and "Billing" in english  # who: the member, the billing clock
    for kind in ("seats_added", "payment_method_updated"):
        assert recorded[kind] not in english
    assert_no_internals(english)

    french = text(in_french(client).get(HISTORY))
    assert (
        "La carte enregistrée est passée de Visa se terminant par 4242 à Mastercard se terminant par 4444."
        in french
    )
    assert "Support est passé de 12 à 15 licences d’agent." in french
    assert "Facture INV-0001-00012 émise pour 1 100,70 $US, à payer avant le 11 novembre 2026." in french
    assert "Facturation" in french and "issued" not in french and "went from" not in french
    assert_no_internals(french)


@pytest.mark.django_db
def test_r9_4_support_staff_appear_as_support_and_keep_the_raw_record_in_the_admin(
    sign_in, django_user_model
):
    staff = django_user_model.objects.get(email="support@staff.test")
    acme = item("Acme Self-Service", "support").subscription.account
    BillingEvent.objects.create(
        account=acme,
        kind=BillingEvent.Kind.STAFF_EDIT,
        actor=staff,
        actor_label=staff.email,
        summary="Staff changed subscription item “Support”: seats",
        before={"seats": 12},
        after={"seats": 13},
        occurred_at=NOW,
    )
    page = text(sign_in("owner@acme.test").get(HISTORY))
    assert "Support staff corrected the account’s billing details." in page
    assert "support@staff.test" not in page and "Staff changed" not in page
    admin = sign_in("support@staff.test").get("/staff/billing/billingevent/", {"q": "Staff changed"})
    assert "Staff changed subscription item" in admin.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "english", "french"),
    [
        ("4000 0000 0000 0002", "The bank declined the card.", "La banque a refusé la carte."),
        (
            "4000 0000 0000 9995",
            "The card has insufficient funds.",
            "La provision de la carte est insuffisante.",
        ),
    ],
)
def test_r9_4_payment_activity_explains_refusals_without_codes_or_references(
    sign_in, number, english, french
):
    client = sign_in("owner@acme.test")
    assert card(client, number).status_code == 422
    page = text(client.get(PAYMENT))
    assert f"Card check $1.00 Refused {english}" in page
    assert "card_declined" not in page and "insufficient_funds" not in page and "sbx_" not in page
    page = text(in_french(client).get(PAYMENT))
    assert french in page and "Vérification de la carte" in page
    assert "card_declined" not in page and "insufficient_funds" not in page and "sbx_" not in page
