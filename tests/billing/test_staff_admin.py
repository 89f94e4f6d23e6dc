"""R1.3: support staff work in the Django admin at /staff/, by the permissions of the "Support" group."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from accounts.models import Membership, User
from billing.models import BillingEvent, Charge, Price, SubscriptionChangeRequest, SubscriptionItem
from billing.money import format_money
from billing.staff import SUPPORT_GROUP
from tests.helpers import NOW, demo_member, new_events, quote_of, text

pytestmark = pytest.mark.usefixtures("demo")
PAGE = "/admin/account/billing/subscription/"


def admin_url(model, action="changelist", *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def test_r1_3_support_staff_are_staff_in_the_support_group_not_superusers():
    user = User.objects.get(email="support@staff.test")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [SUPPORT_GROUP]
    assert not Membership.objects.filter(user=user).exists()


def test_r1_3_a_migrate_gives_the_support_group_what_it_lacks_and_keeps_what_staff_added():
    group = Group.objects.get(name=SUPPORT_GROUP)
    listed = group.permissions.get(codename="view_invoice")
    added_by_staff = Permission.objects.get(codename="delete_discount")
    group.permissions.remove(listed)
    group.permissions.add(added_by_staff)
    call_command("migrate", verbosity=0)  # nothing to migrate: the reference data is installed again
    assert {listed, added_by_staff} <= set(group.permissions.all())
    assert Price.objects.filter(currency="EUR").count() == 80  # the catalog is complete, not doubled


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_model_is_registered_and_its_list_loads_for_a_superuser(sign_in, model):
    response = sign_in("root@staff.test").get(admin_url(model))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "model",
    # The task queue's own admin (django-tasks-db) is for superusers: it is infrastructure, not billing.
    [m for m in admin.site._registry if m._meta.app_label in ("accounts", "billing", "auth")],
    ids=lambda m: m._meta.label,
)
def test_r1_3_support_staff_see_every_billing_list(sign_in, model):
    response = sign_in("support@staff.test").get(admin_url(model))
    assert response.status_code == (403 if model._meta.label == "auth.Group" else 200)


def test_r1_3_support_staff_cannot_delete_accounts(sign_in):
    account = demo_member("owner@acme.test").account
    assert (
        sign_in("support@staff.test").get(admin_url(type(account), "delete", account.pk)).status_code == 403
    )


def test_account_change_page_shows_members_scheduled_changes_and_history(sign_in):
    account = demo_member("owner@acme.test").account
    html = sign_in("support@staff.test").get(admin_url(type(account), "change", account.pk)).content.decode()
    assert "owner@acme.test" in html and "Scheduled changes" in html and "Billing events" in html


def test_r9_3_billing_events_are_read_only_in_the_admin(sign_in):
    sign_in("admin@assisted.test").post(PAGE + "change-requests/", {"what": "Seats"})
    event = new_events().get()
    client = sign_in("root@staff.test")
    assert client.get(admin_url(BillingEvent, "add")).status_code == 403
    assert client.post(admin_url(BillingEvent, "change", event.pk), {"summary": "edited"}).status_code == 403
    assert client.post(admin_url(BillingEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.summary.startswith("Change requested")


def test_r9_3_billing_events_refuse_bulk_update_and_delete():
    with pytest.raises(TypeError):
        new_events().all().update(summary="x")
    with pytest.raises(TypeError):
        new_events().all().delete()


def pending_request(sign_in, what="Add 10 seats"):
    sign_in("admin@assisted.test").post(PAGE + "change-requests/", {"what": what})
    return SubscriptionChangeRequest.objects.get(what=what)


def test_r2_4_staff_approve_a_request_with_a_note_and_the_requester_sees_it(
    sign_in, django_capture_on_commit_callbacks
):
    change_request = pending_request(sign_in)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in("support@staff.test").post(
            admin_url(SubscriptionChangeRequest, "change", change_request.pk),
            {"decision": "approve", "staff_note": "Done: 10 seats added from today."},
        )
    assert response.status_code == 302
    change_request.refresh_from_db()
    assert change_request.status == SubscriptionChangeRequest.Status.APPROVED
    assert change_request.decided_by.email == "support@staff.test"
    assert new_events().filter(kind=BillingEvent.Kind.CHANGE_REQUEST_APPROVED).count() == 1
    assert mail.outbox[0].to == ["admin@assisted.test"]
    page = sign_in("admin@assisted.test").get(PAGE).content.decode()
    assert "Approved" in page and "Done: 10 seats added from today." in page


def test_r2_4_declining_needs_a_note(sign_in):
    change_request = pending_request(sign_in)
    response = sign_in("support@staff.test").post(
        admin_url(SubscriptionChangeRequest, "change", change_request.pk),
        {"decision": "decline", "staff_note": ""},
    )
    assert response.status_code == 200
    assert "Say why the request is declined" in response.content.decode()
    change_request.refresh_from_db()
    assert change_request.status == SubscriptionChangeRequest.Status.PENDING


def test_r2_4_a_decided_request_cannot_be_decided_again(sign_in):
    change_request = pending_request(sign_in)
    url = admin_url(SubscriptionChangeRequest, "change", change_request.pk)
    client = sign_in("support@staff.test")
    client.post(url, {"decision": "decline", "staff_note": "Use the sales team."})
    client.post(url, {"decision": "approve", "staff_note": "Changed my mind"})
    change_request.refresh_from_db()
    assert change_request.status == SubscriptionChangeRequest.Status.DECLINED
    assert change_request.staff_note == "Use the sales team."
    assert new_events().filter(kind__startswith="change_request_").count() == 1


def test_r9_3_staff_edits_in_the_admin_are_billing_events(sign_in):
    item = SubscriptionItem.objects.get(subscription__account__name="Acme Self-Service", product__code="talk")
    client = sign_in("support@staff.test")
    form = client.get(admin_url(SubscriptionItem, "change", item.pk)).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    data["seats"] = 4
    response = client.post(admin_url(SubscriptionItem, "change", item.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = new_events().get(kind=BillingEvent.Kind.STAFF_EDIT)
    assert event.before == {"seats": 3} and event.after == {"seats": 4}
    assert event.actor_label == "support@staff.test" and event.account.name == "Acme Self-Service"


def test_r2_4_approving_a_request_can_apply_the_change_through_the_manage_service(sign_in):
    change_request = pending_request(sign_in, what="Add 10 agent seats")
    support = SubscriptionItem.objects.get(
        subscription__account__name="Online Assisted Ltd", product__code="support"
    )
    client, url = (
        sign_in("support@staff.test"),
        admin_url(SubscriptionChangeRequest, "change", change_request.pk),
    )
    data = {
        "decision": "approve",
        "staff_note": "Added.",
        "apply_kind": "add_seats",
        "apply_item": support.pk,
        "apply_seats": 10,
    }
    # R6.5: the first save previews what the change charges; nothing is applied yet.
    shown = client.post(url, data)
    assert shown.status_code == 200 and not new_events().filter(kind="seats_added").exists()
    preview = text(shown).split("Preview of the change")[1]
    charge = re.search(r"Charged now (\S+) prorated for", preview).group(1)
    # Saving again with the preview's signed quote applies it, charging what it showed.
    response = client.post(url, {**data, "quote": quote_of(shown)})
    assert response.status_code == 302
    support.refresh_from_db()
    change_request.refresh_from_db()
    assert support.seats == 60 and change_request.status == "approved"
    event = new_events().get(kind="seats_added")
    assert event.actor_label == "support@staff.test" and event.after == {
        "seats": 60,
        "product_name": "Support",
    }
    assert Charge.objects.get().amount == event.amount > 0  # charged like the Manage page
    assert format_money(event.amount, "GBP") == charge


def approve_adding_seats(client, change_request, *, follow=False, **extra):
    support = SubscriptionItem.objects.get(
        subscription__account=change_request.account, product__code="support"
    )
    data = {
        "decision": "approve",
        "staff_note": "Added.",
        "apply_kind": "add_seats",
        "apply_item": support.pk,
    }
    url = admin_url(SubscriptionChangeRequest, "change", change_request.pk)
    return client.post(url, {**data, **extra}, follow=follow)


def test_r6_5_an_approval_charges_at_the_moment_of_its_preview(sign_in):
    """Staff previews are binding like Manage quotes: saved ten minutes later, the prorated charge is the
    one previewed, not one computed at the later moment."""
    change_request = pending_request(sign_in, what="Add 10 agent seats")
    client = sign_in("support@staff.test")
    with time_machine.travel(NOW, tick=False):
        shown = approve_adding_seats(client, change_request, apply_seats=10)
    charge = re.search(r"Charged now (\S+) prorated for", text(shown)).group(1)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        later = approve_adding_seats(client, change_request, apply_seats=10)
        assert re.search(r"Charged now (\S+) prorated for", text(later)).group(1) != charge
        assert (
            approve_adding_seats(client, change_request, apply_seats=10, quote=quote_of(shown)).status_code
            == 302
        )
    assert format_money(Charge.objects.get().amount, "GBP") == charge


def test_r6_5_an_approval_whose_prices_changed_since_its_preview_applies_nothing(sign_in):
    change_request = pending_request(sign_in, what="Add 10 agent seats")
    client = sign_in("support@staff.test")
    shown = approve_adding_seats(client, change_request, apply_seats=10)
    Price.objects.filter(currency="GBP", product__code="support").update(unit_amount=F("unit_amount") + 100)
    refused = approve_adding_seats(client, change_request, apply_seats=10, quote=quote_of(shown), follow=True)
    assert "Prices or the billing period changed since this preview" in text(refused)
    change_request.refresh_from_db()
    assert change_request.status == "pending" and not Charge.objects.exists()


def test_r6_5_a_preview_of_another_change_is_not_an_approval_of_this_one(sign_in):
    change_request = pending_request(sign_in, what="Add 10 agent seats")
    client = sign_in("support@staff.test")
    shown = approve_adding_seats(client, change_request, apply_seats=1)
    again = approve_adding_seats(client, change_request, apply_seats=10, quote=quote_of(shown))
    assert again.status_code == 200 and "Add 10 agent seats to Support" in text(again)
    change_request.refresh_from_db()
    assert change_request.status == "pending" and not Charge.objects.exists()


def test_r2_4_approval_cannot_apply_what_the_account_type_forbids(sign_in):
    change_request = pending_request(sign_in, what="Downgrade Support")
    support = SubscriptionItem.objects.get(
        subscription__account__name="Online Assisted Ltd", product__code="support"
    )
    response = sign_in("support@staff.test").post(
        admin_url(SubscriptionChangeRequest, "change", change_request.pk),
        {
            "decision": "approve",
            "staff_note": "",
            "apply_kind": "change_edition",
            "apply_item": support.pk,
            "apply_edition": "team",
        },
        follow=True,
    )
    assert "does not allow that change" in response.content.decode()
    change_request.refresh_from_db()
    support.refresh_from_db()
    assert change_request.status == "pending" and support.edition == "enterprise"
