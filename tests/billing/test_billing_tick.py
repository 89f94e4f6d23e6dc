"""R9.1 (scheduled removals and cancellations) and R4.11/R5.8 (reinstatement by support staff)."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Account, User
from billing.lifecycle.tick import billing_tick
from billing.models import Invoice, ScheduledChange, SubscriptionItem, TestClock
from devtools.demo import PASSWORD
from tests.helpers import CANCELLATIONS, NOW, confirm, demo_member, item, new_events, select, text

pytestmark = pytest.mark.usefixtures("demo")


def period_end(email):
    return demo_member(email).account.subscription.current_period_end


def tick(at) -> str:
    out = StringIO()
    with time_machine.travel(at, tick=False):
        call_command("billing_tick", stdout=out)
    return out.getvalue()


def acme_events():
    return new_events().filter(account__name="Acme Self-Service")


def test_r9_1_removals_apply_at_the_effective_date_once(sign_in):
    client = sign_in("owner@acme.test")
    talk = item("Acme Self-Service", "talk")
    select(client, talk)
    confirm(client)
    end = period_end("owner@acme.test")
    tick(end - timedelta(seconds=1))
    talk.refresh_from_db()
    assert talk.ended_at is None  # R4.5: active and billed until the end of the period
    tick(end)
    talk.refresh_from_db()
    assert talk.ended_at == end
    events = acme_events().count()
    tick(end + timedelta(days=3))  # idempotent
    assert acme_events().count() == events
    page = text(client.get("/admin/account/billing/subscription/"))
    assert "Talk" not in page and "Support Professional" in page


def test_r4_6_end_of_legacy_suite_pricing_bills_remaining_products_at_list_price(sign_in):
    client = sign_in("owner@legacy-suite.test")
    select(client, item("Legacy Suite SARL", "talk"))
    confirm(client, acknowledge=["legacy_suite"])
    tick(period_end("owner@legacy-suite.test"))
    account = Account.objects.get(name="Legacy Suite SARL")
    assert account.pricing == Account.Pricing.STANDALONE
    assert not SubscriptionItem.objects.filter(
        subscription__account=account, ended_at=None, bundle__isnull=False
    )
    assert "Total par an 10 080,00 €" in text(client.get("/admin/account/billing/subscription/"))


def test_r5_3_r7_7_a_cancelled_account_cannot_be_used_after_the_effective_date(sign_in, client):
    owner = sign_in("owner@acme.test")
    html = owner.get(CANCELLATIONS + "account/survey/").content.decode()
    token = html.split('name="token" value="')[1].split('"')[0]
    owner.post(CANCELLATIONS + "account/confirm/", {"reason": "closing", "token": token, "exported": "on"})
    admin = sign_in("admin@acme.test")
    end = period_end("owner@acme.test")
    tick(end - timedelta(minutes=1))
    assert admin.get("/admin/").status_code == 200  # usable until the end of the period
    invoices = Invoice.objects.filter(account__name="Acme Self-Service").count()
    tick(end)
    account = Account.objects.get(name="Acme Self-Service")
    assert (account.status, account.cancelled_at) == (Account.Status.CANCELLED, end)
    assert not SubscriptionItem.objects.filter(subscription__account=account, ended_at=None).exists()
    assert Invoice.objects.filter(account=account).count() == invoices  # not renewed
    assert admin.get("/admin/")["Location"] == "/login/"  # every member's access is revoked
    refused = client.post("/login/", {"username": "agent@acme.test", "password": PASSWORD})
    assert "This account has been cancelled" in text(refused)


def test_r9_2_accounts_on_a_test_clock_apply_changes_at_the_clocks_time(sign_in):
    client = sign_in("owner@acme.test")
    talk = item("Acme Self-Service", "talk")
    select(client, talk)
    confirm(client)
    end = period_end("owner@acme.test")
    clock = TestClock.objects.create(name="Acme", frozen_now=end - timedelta(days=1))
    account = Account.objects.get(name="Acme Self-Service")
    Account.objects.filter(pk=account.pk).update(test_clock=clock)
    billing_tick(real_now=end + timedelta(days=30))  # real time is past, but the clock is behind
    talk.refresh_from_db()
    assert talk.ended_at is None
    clock.frozen_now = end
    clock.save()
    billing_tick(real_now=NOW)  # real time is behind, the clock is due
    talk.refresh_from_db()
    assert talk.ended_at == end


def test_r9_1_one_failing_account_does_not_stop_the_others(sign_in):
    client = sign_in("owner@acme.test")
    select(client, item("Acme Self-Service", "talk"))
    confirm(client)
    vintage = demo_member("owner@vintage.test").account
    ScheduledChange.objects.create(
        account=vintage,
        kind="end_suite_pricing",
        payload={"suite": "no-such-suite"},
        effective_at=NOW,
        created_at=NOW,
    )
    end = period_end("owner@acme.test")
    with time_machine.travel(end, tick=False):
        report = billing_tick()
    assert [pk for pk, _ in report.failed] == [vintage.pk]
    assert period_end("owner@acme.test") > end  # Acme was renewed all the same
    with pytest.raises(Exception, match="1 account"):
        tick(end)


# --- Reinstatement by support staff (R4.11, R5.8) ---------------------------------------------------


def reinstate(staff, changes):
    url = reverse("admin:billing_scheduledchange_changelist")
    data = {"action": "reinstate_selected", "_selected_action": [c.pk for c in changes]}
    return staff.post(url, data, follow=True)


def test_r4_11_staff_reinstate_a_removed_product_before_its_effective_date(sign_in):
    client = sign_in("owner@acme.test")
    select(client, item("Acme Self-Service", "talk"))
    confirm(client)
    change = ScheduledChange.objects.get()
    with time_machine.travel(NOW, tick=False):
        response = reinstate(sign_in("support@staff.test"), [change])
    assert "Reinstated" in text(response)
    change.refresh_from_db()
    assert change.revoked_at == NOW
    assert new_events().filter(kind="scheduled_change_revoked", actor_label="support@staff.test").count() == 1
    tick(period_end("owner@acme.test"))
    assert item("Acme Self-Service", "talk").ended_at is None
    assert 'data-testid="ends-on"' not in client.get("/admin/account/billing/subscription/").content.decode()


def test_r4_11_after_the_effective_date_reinstatement_is_refused_with_a_message(sign_in):
    client = sign_in("owner@acme.test")
    select(client, item("Acme Self-Service", "talk"))
    confirm(client)
    change = ScheduledChange.objects.get()
    end = period_end("owner@acme.test")
    with time_machine.travel(end + timedelta(hours=1), tick=False):
        response = reinstate(sign_in("support@staff.test"), [change])
    assert "has passed: it can no longer be reinstated" in text(response)
    tick(end)
    with time_machine.travel(end + timedelta(hours=2), tick=False):
        response = reinstate(sign_in("support@staff.test"), [change])
    assert "already took effect" in text(response)
    change.refresh_from_db()
    assert change.revoked_at is None and change.applied_at is not None


def test_r4_11_reinstating_the_last_tier1_product_withdraws_the_account_cancellation_it_caused(sign_in):
    Account.objects.filter(name="Vintage 2019 Co").update(chat_phase4=True)
    client = sign_in("owner@vintage.test")
    select(client, item("Vintage 2019 Co", "support"), item("Vintage 2019 Co", "chat"))
    confirm(client, acknowledge=["tier1"])
    support_removal = ScheduledChange.objects.get(kind="remove_item", item__product__code="support")
    with time_machine.travel(NOW, tick=False):
        reinstate(sign_in("support@staff.test"), [support_removal])
    pending = ScheduledChange.objects.filter(applied_at=None, revoked_at=None)
    assert list(pending.values_list("kind", "item__product__code")) == [("remove_item", "chat")]


def test_r4_6_reinstating_the_only_suite_removal_keeps_suite_pricing(sign_in):
    client = sign_in("owner@legacy-suite.test")
    select(client, item("Legacy Suite SARL", "talk"))
    confirm(client, acknowledge=["legacy_suite"])
    with time_machine.travel(NOW, tick=False):
        reinstate(sign_in("support@staff.test"), ScheduledChange.objects.filter(kind="remove_item"))
    assert not ScheduledChange.objects.filter(applied_at=None, revoked_at=None).exists()


def test_r5_8_staff_withdraw_an_account_cancellation_from_the_account_admin(sign_in):
    owner = sign_in("owner@acme.test")
    html = owner.get(CANCELLATIONS + "account/survey/").content.decode()
    owner.post(
        CANCELLATIONS + "account/confirm/",
        {"reason": "closing", "token": html.split('name="token" value="')[1][:36], "exported": "on"},
    )
    account = demo_member("owner@acme.test").account
    with time_machine.travel(NOW, tick=False):
        response = sign_in("support@staff.test").post(
            reverse("admin:accounts_account_changelist"),
            {"action": "reinstate_account", "_selected_action": [account.pk]},
            follow=True,
        )
    assert "Reinstated" in text(response)
    tick(period_end("owner@acme.test"))
    account.refresh_from_db()
    assert account.status == Account.Status.ACTIVE
    assert 'data-testid="cancellation-banner"' not in owner.get("/admin/").content.decode()


def test_r4_8_staff_downgrade_an_spp_account_to_support_only(sign_in):
    account = demo_member("owner@spp.test").account
    staff = sign_in("support@staff.test")
    url = reverse("admin:accounts_account_changelist")
    with time_machine.travel(NOW, tick=False):
        staff.post(url, {"action": "downgrade_spp_to_support", "_selected_action": [account.pk]})
        again = staff.post(
            url, {"action": "downgrade_spp_to_support", "_selected_action": [account.pk]}, follow=True
        )
    assert "already scheduled" in text(again)
    tick(period_end("owner@spp.test"))
    account.refresh_from_db()
    live = SubscriptionItem.objects.filter(subscription__account=account, ended_at=None)
    assert account.pricing == Account.Pricing.STANDALONE
    assert [(i.product.code, i.bundle_id) for i in live] == [("support", None)]


def test_r4_11_reinstating_needs_the_permission_even_from_the_admin(sign_in):
    client = sign_in("owner@acme.test")
    select(client, item("Acme Self-Service", "talk"))
    confirm(client)
    viewer = User.objects.create_user("viewer@staff.test", PASSWORD, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_scheduledchange"))
    response = reinstate(sign_in("viewer@staff.test"), ScheduledChange.objects.all())
    assert "You need the permission to reinstate" in text(response)
    assert ScheduledChange.objects.get().revoked_at is None
