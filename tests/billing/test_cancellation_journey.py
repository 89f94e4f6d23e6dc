"""R4 and R5 through the Django test client: the whole journey without JavaScript, and its htmx variant."""

import re
import uuid

import pytest
from django.core import mail

from accounts.models import Account
from billing.clock import now_for
from billing.models import Cancellation, CancellationDraft, ScheduledChange, SubscriptionItem
from tests.helpers import (
    CANCELLATIONS,
    SUBSCRIPTION,
    change,
    confirm,
    demo_member,
    item,
    new_events,
    select,
    text,
    token_of,
)

pytestmark = pytest.mark.usefixtures("demo")


# --- R4.3: the list, the selection and the summary --------------------------------------------------


def test_r4_3_the_page_lists_every_product_with_remove(sign_in):
    html = sign_in("owner@acme.test").get(CANCELLATIONS).content.decode()
    for code in ("support", "chat", "guide", "talk"):
        assert f'data-product="{code}"' in html
    assert html.count(">Remove</button>") == 4
    assert "Select the products you want to cancel with Remove." in html


def test_r4_3_selected_products_move_into_the_summary_and_can_be_put_back_without_javascript(sign_in):
    client = sign_in("owner@acme.test")
    response = select(client, item("Acme Self-Service", "talk"), item("Acme Self-Service", "chat"))
    assert response.status_code == 302 and response["Location"] == CANCELLATIONS
    summary = text(client.get(CANCELLATIONS)).split("Cancellation summary")[1]
    assert "Chat Professional" in summary and "Talk Team" in summary and "Continue" in summary
    client.post(CANCELLATIONS + "unselect/", {"item": item("Acme Self-Service", "chat").pk})
    summary = text(client.get(CANCELLATIONS)).split("Cancellation summary")[1]
    assert "Chat Professional" not in summary and "Talk Team" in summary


def test_r4_3_the_selection_survives_a_new_session(sign_in):
    select(sign_in("owner@acme.test"), item("Acme Self-Service", "talk"))
    summary = text(sign_in("owner@acme.test").get(CANCELLATIONS)).split("Cancellation summary")[1]
    assert "Talk Team" in summary


def test_r4_3_with_htmx_the_summary_updates_in_place(sign_in):
    client = sign_in("owner@acme.test")
    response = select(client, item("Acme Self-Service", "talk"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="cancellation-panel"' in html
    assert "Talk Team" in text(response).split("Cancellation summary")[1]


def test_r4_10_the_page_points_to_removing_agent_seats_instead(sign_in):
    html = sign_in("owner@acme.test").get(CANCELLATIONS).content.decode()
    assert (
        'data-testid="seats-pointer"' in html and 'href="/admin/account/billing/subscription/manage/"' in html
    )


# --- R4.4, R4.5: summary, prices before and after, survey, confirmation -----------------------------


def test_r4_5_review_shows_effective_date_and_prices_before_and_after(sign_in):
    client = sign_in("owner@acme.test")
    select(client, item("Acme Self-Service", "talk"), item("Acme Self-Service", "chat"))
    page = text(client.get(CANCELLATIONS + "review/"))
    end = demo_member("owner@acme.test").account.subscription.current_period_end
    day = f"{end:%B} {end.day}, {end.year}"
    assert f"Chat Professional Ends on {day} Talk Team Ends on {day}" in page
    # R6.5: the next invoice as it stands and with the removals, line by line, each column adding up:
    # $1,223 less the 10 % promotion = $1,100.70; Support $828 + Guide $100 = $928, less 10 % = $835.20.
    assert f"Next invoice, on {day} · per month" in page
    assert "Chat Professional · agent seat 5 × $50.00 $250.00 Removed" in page
    assert "Talk Team · agent seat 3 × $15.00 $45.00 Removed" in page
    assert "Guide Professional · for the whole account $100.00 $100.00" in page
    assert "Welcome 10% -$122.30 -$92.80 Total $1,100.70 $835.20" in page
    assert "tier-1" not in page  # R4.7 does not apply to multi-product accounts created since 2020-10-07


def test_r6_5_the_summary_starts_from_the_next_invoice_the_subscription_page_shows(sign_in):
    """A seat reduction already scheduled counts on both sides: the summary's "as it stands" is the
    Subscription page's Next invoice, and its other column is that invoice without the removed product."""
    client = sign_in("owner@acme.test")
    support = item("Acme Self-Service", "support")
    change(client, at=now_for(support.subscription.account), kind="remove_seats", item=support.pk, seats=8)
    shown = re.search(
        r'data-testid="next-invoice-total"><strong>([^<]+)<', client.get(SUBSCRIPTION).content.decode()
    )
    assert shown.group(1) == "$603.90"  # (1,223 − 8 × 69) × 0.9
    select(client, item("Acme Self-Service", "talk"))
    page = text(client.get(CANCELLATIONS + "review/"))
    # Without Talk: (1,223 − 552 − 45) × 0.9 = $563.40.
    assert "Support Professional · agent seat 4 × $69.00 $276.00 $276.00" in page
    assert "Total $603.90 $563.40" in page


def test_r4_4_the_reason_is_required(sign_in):
    client = sign_in("owner@acme.test")
    select(client, item("Acme Self-Service", "talk"))
    response = confirm(client, reason="")
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    assert not ScheduledChange.objects.exists()


@pytest.mark.parametrize("reason", ["bored", "<script>", "1"])
def test_r4_4_a_reason_outside_the_list_is_refused(sign_in, reason):
    client = sign_in("owner@acme.test")
    select(client, item("Acme Self-Service", "talk"))
    assert confirm(client, reason=reason).status_code == 422
    assert not ScheduledChange.objects.exists()


def test_r4_4_r4_5_r4_13_confirming_schedules_each_product_and_emails_the_owner(
    sign_in, django_capture_on_commit_callbacks
):
    client = sign_in("owner@acme.test")
    talk, chat = item("Acme Self-Service", "talk"), item("Acme Self-Service", "chat")
    select(client, talk, chat)
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, reason="missing_features", explanation="We moved to phone support.")
    assert response.status_code == 302 and response["Location"] == SUBSCRIPTION
    end = demo_member("owner@acme.test").account.subscription.current_period_end
    changes = ScheduledChange.objects.filter(kind="remove_item")
    assert {(c.item_id, c.effective_at) for c in changes} == {(talk.pk, end), (chat.pk, end)}
    assert new_events().filter(kind="product_removal_scheduled").count() == 2
    cancellation = Cancellation.objects.get()
    assert (cancellation.reason, cancellation.explanation) == (
        "missing_features",
        "We moved to phone support.",
    )
    # R4.5: nothing ends now.
    assert SubscriptionItem.objects.filter(pk__in=[talk.pk, chat.pk], ended_at=None).count() == 2
    assert not ScheduledChange.objects.filter(kind="cancel_account").exists()
    (email,) = mail.outbox
    assert email.to == ["owner@acme.test"]
    assert f"Talk ends on {end:%B} {end.day}, {end.year}." in email.body and "Chat ends on" in email.body
    page = client.get(SUBSCRIPTION)
    assert "Cancellations confirmed." in text(page)
    assert page.content.decode().count('data-testid="ends-on"') == 2  # R3.4


def test_r4_12_a_replayed_confirmation_records_nothing_more(sign_in):
    client = sign_in("owner@acme.test")
    select(client, item("Acme Self-Service", "talk"))
    token = token_of(client)
    assert confirm(client, token=token).status_code == 302
    replay = confirm(client, token=token)
    assert replay.status_code == 409 and "already confirmed" in text(replay)
    assert Cancellation.objects.count() == 1 and ScheduledChange.objects.count() == 1
    assert new_events().count() == 1


def test_r4_12_a_confirmation_for_a_selection_that_changed_is_refused(sign_in):
    client = sign_in("owner@acme.test")
    select(client, item("Acme Self-Service", "talk"))
    token = token_of(client)
    select(client, item("Acme Self-Service", "chat"))  # e.g. in another tab
    response = confirm(client, token=token)
    assert response.status_code == 409 and "The selection changed" in text(response)
    assert not ScheduledChange.objects.exists()


def test_r4_12_a_made_up_token_is_refused(sign_in):
    client = sign_in("owner@acme.test")
    select(client, item("Acme Self-Service", "talk"))
    assert confirm(client, token=str(uuid.uuid4())).status_code == 409
    assert confirm(client, token="not-a-uuid").status_code == 422
    assert not ScheduledChange.objects.exists()


def test_review_without_a_selection_goes_back_to_the_list(sign_in):
    response = sign_in("owner@acme.test").get(CANCELLATIONS + "review/", follow=True)
    assert response.redirect_chain == [(CANCELLATIONS, 302)]
    assert "Select at least one product to remove." in text(response)


# --- R4.6 legacy Suite pricing, in French --------------------------------------------------------


def test_r4_6_r10_1_legacy_suite_warning_in_french_needs_its_own_checkbox(sign_in):
    client = sign_in("owner@legacy-suite.test")
    assert ">Supprimer</button>" in client.get(CANCELLATIONS).content.decode()
    select(client, item("Legacy Suite SARL", "talk"))
    assert "Continuer" in text(client.get(CANCELLATIONS))
    review = client.get(CANCELLATIONS + "review/")
    page = text(review)
    # 8 seats × 119 € × 12 now; then Support 8 × 55 €, Chat 8 × 40 €, Guide 80 € a month, for 12 months.
    assert "11 424,00 € aujourd’hui, 10 080,00 € à partir de la prochaine période" in page
    assert 'data-testid="warning-legacy_suite"' in review.content.decode()
    assert "Confirmer les résiliations" in page
    refused = confirm(client)
    assert refused.status_code == 422 and "Cochez chaque avertissement" in text(refused)
    assert not ScheduledChange.objects.exists()
    assert confirm(client, acknowledge=["legacy_suite"]).status_code == 302
    assert set(ScheduledChange.objects.values_list("kind", flat=True)) == {"remove_item", "end_suite_pricing"}
    assert Cancellation.objects.get().acknowledged == ["legacy_suite"]


# --- R4.7 tier-1 products, R4.9 legacy Chat -------------------------------------------------------


def test_r4_7_r4_9_vintage_account_gets_the_tier1_warning_and_legacy_chat_is_support_only(sign_in):
    client = sign_in("owner@vintage.test")
    html = client.get(CANCELLATIONS).content.decode()
    chat_row = re.search(r'data-product="chat">(.*?)</tr>', html, re.S).group(1)
    assert "predates Chat Phase 4" in chat_row and "Remove" not in chat_row
    refused = select(client, item("Vintage 2019 Co", "chat"))
    assert refused.status_code == 422 and "predates Chat Phase 4" in text(refused)
    select(client, item("Vintage 2019 Co", "support"))
    review = client.get(CANCELLATIONS + "review/").content.decode()
    assert 'data-testid="warning-tier1"' in review and 'data-testid="warning-legacy_chat"' in review
    assert 'data-testid="account-ends"' not in review  # legacy Chat is tier 1 and remains
    assert confirm(client).status_code == 422
    assert confirm(client, acknowledge=["tier1"]).status_code == 302
    assert not ScheduledChange.objects.filter(kind="cancel_account").exists()


def test_r4_7_when_no_tier1_product_remains_the_account_is_cancelled_at_the_same_date(sign_in):
    Account.objects.filter(name="Vintage 2019 Co").update(chat_phase4=True)
    client = sign_in("owner@vintage.test")
    select(client, item("Vintage 2019 Co", "support"), item("Vintage 2019 Co", "chat"))
    review = client.get(CANCELLATIONS + "review/")
    assert "No Support or Chat product would remain" in text(review)
    assert "Total $664.00 None: the account ends" in text(review)  # R6.5: no next invoice at all
    assert confirm(client, acknowledge=["tier1"]).status_code == 302
    end = demo_member("owner@vintage.test").account.subscription.current_period_end
    account_change = ScheduledChange.objects.get(kind="cancel_account")
    assert account_change.effective_at == end and account_change.payload["derived"] is True
    assert "This account is cancelled from" in text(client.get(SUBSCRIPTION))


def test_r4_7_does_not_apply_to_multi_product_accounts_created_since_2020_10_07(sign_in):
    client = sign_in("owner@acme.test")
    select(client, item("Acme Self-Service", "support"), item("Acme Self-Service", "chat"))
    assert 'data-testid="warning-tier1"' not in client.get(CANCELLATIONS + "review/").content.decode()
    assert confirm(client).status_code == 302
    assert not ScheduledChange.objects.filter(kind="cancel_account").exists()


# --- R4.8 SPP, R4.2 support-only, R5.4 trial ------------------------------------------------------


def test_r4_8_spp_suite_products_cannot_be_removed_one_by_one(sign_in):
    client = sign_in("owner@spp.test")
    page = text(client.get(CANCELLATIONS))
    assert page.count("Suite products cannot be removed one by one") == 4
    assert "Contact support to downgrade to Support only" in page
    assert select(client, item("SPP Corp", "talk")).status_code == 422
    assert not ScheduledChange.objects.exists()


def test_r4_8_contact_support_to_downgrade_creates_one_request_for_staff(sign_in):
    client = sign_in("owner@spp.test")
    for _ in range(2):
        assert client.post(CANCELLATIONS + "downgrade/").status_code == 302
    request = demo_member("owner@spp.test").account.change_requests.get()
    assert request.what == "Downgrade Zendesk Suite to Support only" and request.status == "pending"
    assert "Pending" in text(client.get(CANCELLATIONS))


def test_r4_2_support_only_accounts_see_a_contact_message_instead_of_the_list(sign_in):
    client = sign_in("owner@contact-support.test")
    html = client.get(CANCELLATIONS).content.decode()
    assert 'data-testid="via_support-block"' in html and "mailto:support@example.test" in html
    assert 'data-testid="candidates"' not in html and 'data-testid="cancel-account"' not in html
    refused = select(client, item("Contact Support GmbH", "support"))
    assert refused.status_code == 403 and "cancelled through customer support" in text(refused)
    confirm = {"reason": "other", "token": uuid.uuid4(), "exported": "on"}
    assert client.post(CANCELLATIONS + "account/confirm/", confirm).status_code == 403
    assert not ScheduledChange.objects.exists()


def test_r5_4_trial_accounts_are_told_to_let_the_trial_expire(sign_in):
    client = sign_in("owner@trial.test")
    assert "let it expire" in text(client.get(CANCELLATIONS))
    assert "let it expire" in text(client.get(CANCELLATIONS + "account/"))
    assert client.get(CANCELLATIONS + "account/survey/")["Location"] == CANCELLATIONS + "account/"
    response = client.post(
        CANCELLATIONS + "account/confirm/", {"reason": "other", "token": uuid.uuid4(), "exported": "on"}
    )
    assert response.status_code == 403 and "Trial accounts cannot be cancelled here" in text(response)
    assert not ScheduledChange.objects.exists()


# --- R4.1, R5.1: who may -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "says"),
    [
        ("billing@acme.test", "Only the account owner can remove products"),
        ("admin@acme.test", "Only the account owner can remove products"),
        ("agent@acme.test", "Agents do not have access to billing"),
        ("owner@managed.test", "This is a managed account"),
        ("owner@assisted.test", "On online-assisted accounts"),
        ("admin@assisted.test", "Only the account owner can remove products"),
    ],
)
def test_r4_1_r5_1_other_roles_and_account_types_are_refused_with_an_explanation(sign_in, email, says):
    client = sign_in(email)
    talk = item("Acme Self-Service", "talk")
    for url in ("", "review/", "account/", "account/survey/"):
        response = client.get(CANCELLATIONS + url)
        assert response.status_code == 403 and says in text(response)
    for url, data in [
        ("select/", {"item": talk.pk}),
        ("unselect/", {"item": talk.pk}),
        ("confirm/", {"reason": "other", "token": uuid.uuid4()}),
        ("downgrade/", {}),
        ("account/confirm/", {"reason": "other", "token": uuid.uuid4()}),
    ]:
        assert client.post(CANCELLATIONS + url, data).status_code == 403
    assert not ScheduledChange.objects.exists() and not Cancellation.objects.exists()


# --- Tampered ids --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "-1", "0", str(10**30), "", "1 OR 1=1"])
def test_garbage_item_ids_are_refused_and_change_nothing(sign_in, value):
    response = sign_in("owner@acme.test").post(CANCELLATIONS + "select/", {"item": value})
    assert response.status_code == 422 and "Choose a product from the list." in text(response)
    assert not CancellationDraft.objects.filter(items__isnull=False).exists()


def test_another_accounts_item_is_a_404(sign_in):
    client = sign_in("owner@acme.test")
    assert select(client, item("Vintage 2019 Co", "support")).status_code == 404
    assert (
        client.post(CANCELLATIONS + "unselect/", {"item": item("Vintage 2019 Co", "support").pk}).status_code
        == 404
    )


def test_an_ended_item_is_a_404_and_an_item_already_ending_is_refused(sign_in):
    client = sign_in("owner@acme.test")
    talk, chat = item("Acme Self-Service", "talk"), item("Acme Self-Service", "chat")
    select(client, talk)
    confirm(client)
    refused = select(client, talk)
    assert refused.status_code == 422 and "Already scheduled to end." in text(refused)
    SubscriptionItem.objects.filter(pk=chat.pk).update(ended_at=chat.subscription.current_period_start)
    assert select(client, chat).status_code == 404
    assert ScheduledChange.objects.count() == 1


# --- R5: cancelling the account ------------------------------------------------------------------


def account_token(client) -> str:
    html = client.get(CANCELLATIONS + "account/survey/").content.decode()
    return re.search(r'name="token" value="([0-9a-f-]+)"', html).group(1)


def test_r5_2_r5_3_r5_7_account_cancellation_flow(sign_in, django_capture_on_commit_callbacks):
    client = sign_in("owner@acme.test")
    end = demo_member("owner@acme.test").account.subscription.current_period_end
    assert 'data-testid="cancel-account"' in client.get(CANCELLATIONS).content.decode()
    statement = text(client.get(CANCELLATIONS + "account/"))
    assert f"Your account will be cancelled on {end:%B} {end.day}, {end.year}" in statement
    token = account_token(client)
    assert client.post(CANCELLATIONS + "account/confirm/", {"reason": "", "token": token}).status_code == 422
    # R5.6: the owner must say they exported their data or do not need it.
    unticked = client.post(CANCELLATIONS + "account/confirm/", {"reason": "closing", "token": token})
    assert unticked.status_code == 422 and "This field is required." in text(unticked)
    assert 'href="/admin/account/billing/export/"' in unticked.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CANCELLATIONS + "account/confirm/", {"reason": "closing", "token": token, "exported": "on"}
        )
    assert response.status_code == 302
    change = ScheduledChange.objects.get(kind="cancel_account")
    assert change.effective_at == end and change.payload["derived"] is False
    assert "notice_given_at" in change.payload  # R5.5
    assert new_events().filter(kind="account_cancellation_scheduled").count() == 1
    assert mail.outbox[0].to == ["owner@acme.test", "accounting@acme.test"]  # R5.7: and every billing contact
    assert "is cancelled from" in mail.outbox[0].body
    # R5.3: usable until then, with a banner on every Admin Center page.
    for url in (SUBSCRIPTION, "/admin/", CANCELLATIONS):
        assert 'data-testid="cancellation-banner"' in client.get(url).content.decode()
    assert 'data-testid="cancelling-block"' in client.get(CANCELLATIONS).content.decode()


def test_r5_2_replays_and_second_tabs_record_one_account_cancellation(sign_in):
    client = sign_in("owner@acme.test")
    first_tab, second_tab = account_token(client), account_token(client)
    assert (
        client.post(
            CANCELLATIONS + "account/confirm/", {"reason": "other", "token": first_tab, "exported": "on"}
        ).status_code
        == 302
    )
    replay = client.post(
        CANCELLATIONS + "account/confirm/", {"reason": "other", "token": first_tab, "exported": "on"}
    )
    other = client.post(
        CANCELLATIONS + "account/confirm/", {"reason": "other", "token": second_tab, "exported": "on"}
    )
    assert replay.status_code == 409 and other.status_code == 409
    assert ScheduledChange.objects.filter(kind="cancel_account").count() == 1
    assert Cancellation.objects.count() == 1


def test_r10_1_french_labels_of_the_account_cancellation(sign_in):
    client = sign_in("owner@legacy-suite.test")
    assert "Résilier le compte" in text(client.get(CANCELLATIONS))
    assert "Résilier le compte" in text(client.get(CANCELLATIONS + "account/"))
