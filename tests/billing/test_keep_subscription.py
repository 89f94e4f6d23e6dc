"""R5.9 "Keep my subscription": until the effective date, the owner withdraws their own scheduled product
removal or account cancellation — through the service support staff reinstate with (R4.11, R5.8), as a
billing event, with an email — from the Subscription page or the banner, without JavaScript."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Account
from billing.lifecycle.tick import billing_tick
from billing.models import Cancellation, ScheduledChange
from billing.services.cancellations import cancellation_withdraw
from tests.helpers import (
    CANCELLATIONS,
    NOW,
    SUBSCRIPTION,
    confirm,
    demo_member,
    item,
    new_events,
    select,
    text,
)

pytestmark = pytest.mark.usefixtures("demo")
KEEP = SUBSCRIPTION + "keep/"
ACME = "Acme Self-Service"


def remove(client, *codes, account=ACME, **data) -> Cancellation:
    select(client, *(item(account, code) for code in codes))
    assert confirm(client, **data).status_code == 302
    return Cancellation.objects.filter(account__name=account).first()


def cancel_account(client) -> Cancellation:
    html = client.get(CANCELLATIONS + "account/survey/").content.decode()
    token = re.search(r'name="token" value="([0-9a-f-]+)"', html).group(1)
    data = {"reason": "closing", "token": token, "exported": "on"}
    assert client.post(CANCELLATIONS + "account/confirm/", data).status_code == 302
    return Cancellation.objects.get(scope="account")


def keep(client, cancellation):
    return client.post(KEEP, {"cancellation": cancellation.pk})


def pending():
    return ScheduledChange.objects.filter(applied_at=None, revoked_at=None)


def next_invoice_total(client) -> str:
    html = client.get(SUBSCRIPTION).content.decode()
    return re.search(r'data-testid="next-invoice-total"><strong>([^<]+)<', html).group(1)


def kept_events():
    return new_events().filter(kind="scheduled_change_revoked")


def test_r5_9_r3_6_owner_keeps_a_product_removal_and_the_next_invoice_is_back(
    sign_in, django_capture_on_commit_callbacks
):
    client = sign_in("owner@acme.test")
    before = next_invoice_total(client)
    cancellation = remove(client, "talk", "chat")
    assert next_invoice_total(client) != before
    page = client.get(SUBSCRIPTION).content.decode()
    # In the banner and beside the scheduled changes: plain POST forms.
    assert page.count('data-testid="keep-subscription"') == 2 and 'data-testid="removal-banner"' in page
    assert page.count(f'action="{KEEP}"') == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = keep(client, cancellation)
    assert response.status_code == 302 and response["Location"] == SUBSCRIPTION
    assert not pending().exists()
    events = kept_events()
    assert events.count() == 2 and {e.actor_label for e in events} == {"owner@acme.test"}
    (email,) = mail.outbox
    assert email.to == ["owner@acme.test"] and email.subject == "Your subscription is kept"
    assert "Talk does not end on" in email.body and "Chat does not end on" in email.body
    page = client.get(SUBSCRIPTION)
    html = page.content.decode()
    assert "Your subscription is kept" in text(page)
    assert 'data-testid="removal-banner"' not in html and 'data-testid="ends-on"' not in html
    assert next_invoice_total(client) == before  # R3.6: the next invoice is the one before the removal
    history = text(client.get("/admin/account/billing/history/"))
    assert "The owner kept the subscription: the removal of Talk planned for" in history


def test_r5_9_r5_7_owner_keeps_the_account_and_billing_contacts_are_told(
    sign_in, django_capture_on_commit_callbacks
):
    client = sign_in("owner@acme.test")
    cancellation = cancel_account(client)
    banner = client.get("/admin/").content.decode()
    assert 'data-testid="cancellation-banner"' in banner and 'data-testid="keep-subscription"' in banner
    with django_capture_on_commit_callbacks(execute=True):
        assert keep(client, cancellation).status_code == 302
    assert not pending().exists()
    (event,) = kept_events()
    assert event.actor_label == "owner@acme.test" and event.after["by_owner"] is True
    (email,) = mail.outbox
    assert email.to == ["owner@acme.test", "accounting@acme.test"]
    assert "The account is not cancelled on" in email.body
    assert 'data-testid="cancellation-banner"' not in client.get("/admin/").content.decode()
    end = cancellation.effective_at
    with time_machine.travel(end + timedelta(hours=1), tick=False):
        billing_tick()
    account = demo_member("owner@acme.test").account
    assert account.status == Account.Status.ACTIVE and account.subscription.current_period_start == end


def test_r5_9_r4_6_keeping_a_suite_removal_keeps_suite_pricing_in_french(
    sign_in, django_capture_on_commit_callbacks
):
    client = sign_in("owner@legacy-suite.test")
    cancellation = remove(client, "talk", account="Legacy Suite SARL", acknowledge=["legacy_suite"])
    assert pending().filter(kind="end_suite_pricing").exists()
    assert "Conserver mon abonnement" in client.get(SUBSCRIPTION).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(KEEP, {"cancellation": cancellation.pk}, follow=True)
    assert "Votre abonnement est conservé" in text(response)
    assert not pending().exists()
    assert set(kept_events().values_list("before__kind", flat=True)) == {"remove_item", "end_suite_pricing"}
    (email,) = mail.outbox
    assert email.subject == "Votre abonnement est conservé"
    assert "La tarification Suite continue." in email.body


def test_r5_9_r4_7_keeping_tier1_removals_withdraws_the_account_cancellation_they_caused(sign_in):
    Account.objects.filter(name="Vintage 2019 Co").update(chat_phase4=True)
    client = sign_in("owner@vintage.test")
    cancellation = remove(client, "support", "chat", account="Vintage 2019 Co", acknowledge=["tier1"])
    assert pending().filter(kind="cancel_account").exists()
    banner = client.get(SUBSCRIPTION).content.decode()
    assert 'data-testid="cancellation-banner"' in banner and 'data-testid="keep-subscription"' in banner
    assert keep(client, cancellation).status_code == 302
    assert not pending().exists()


def test_r5_9_after_the_effective_date_it_is_refused_and_nothing_changes(sign_in):
    client = sign_in("owner@acme.test")
    cancellation = remove(client, "talk")
    end = cancellation.effective_at
    with time_machine.travel(end + timedelta(minutes=5), tick=False):
        late = keep(client, cancellation)
        assert late.status_code == 409 and "it can no longer be withdrawn" in text(late)
        assert pending().count() == 1 and not kept_events().exists()
    with time_machine.travel(end + timedelta(hours=1), tick=False):
        billing_tick()
        applied = keep(client, cancellation)
    assert applied.status_code == 409 and "it can no longer be withdrawn" in text(applied)
    change = ScheduledChange.objects.get(kind="remove_item")
    assert change.applied_at is not None and change.revoked_at is None
    assert not kept_events().exists() and not [m for m in mail.outbox if "kept" in m.subject]


@pytest.mark.parametrize("scope", ["products", "account"])
def test_r5_9_a_billing_admin_cannot_keep_it(sign_in, scope):
    owner = sign_in("owner@acme.test")
    cancellation = remove(owner, "talk") if scope == "products" else cancel_account(owner)
    billing = sign_in("billing@acme.test")
    page = billing.get(SUBSCRIPTION).content.decode()
    assert 'data-testid="keep-subscription"' not in page  # the banner shows, without the button
    refused = keep(billing, cancellation)
    assert refused.status_code == 403 and "Only the account owner" in text(refused)
    with pytest.raises(PermissionDenied):  # the service asks the policy too
        cancellation_withdraw(
            membership=demo_member("billing@acme.test"), cancellation_id=cancellation.pk, now=NOW
        )
    assert pending().count() == 1 and not kept_events().exists()


def test_r5_9_another_accounts_cancellation_is_a_404(sign_in):
    cancellation = remove(sign_in("owner@acme.test"), "talk")
    assert keep(sign_in("owner@vintage.test"), cancellation).status_code == 404
    assert pending().count() == 1 and not kept_events().exists()


@pytest.mark.parametrize("value", ["abc", "-1", "0", str(10**30), ""])
def test_r5_9_garbage_ids_are_refused_and_change_nothing(sign_in, value):
    client = sign_in("owner@acme.test")
    remove(client, "talk")
    response = client.post(KEEP, {"cancellation": value})
    assert response.status_code == 422 and "Choose a scheduled cancellation" in text(response)
    assert pending().count() == 1


def test_r5_9_a_double_post_keeps_once_and_the_second_is_told(sign_in, django_capture_on_commit_callbacks):
    client = sign_in("owner@acme.test")
    cancellation = remove(client, "talk")
    second_tab = sign_in("owner@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert keep(client, cancellation).status_code == 302
        replay = keep(second_tab, cancellation)
    assert replay.status_code == 409 and "Your subscription is already kept" in text(replay)
    assert kept_events().count() == 1 and len(mail.outbox) == 1


def test_r5_9_what_support_scheduled_is_announced_without_the_button(sign_in):
    account = demo_member("owner@spp.test").account
    with time_machine.travel(NOW, tick=False):
        sign_in("support@staff.test").post(
            reverse("admin:accounts_account_changelist"),
            {"action": "downgrade_spp_to_support", "_selected_action": [account.pk]},
        )
    page = sign_in("owner@spp.test").get(SUBSCRIPTION).content.decode()
    assert 'data-testid="removal-banner"' in page and 'data-testid="keep-subscription"' not in page
