"""R1.5: exactly one owner per account, and staff users are never members of a customer account — checked
by every form that edits a membership, the staff console's among them (the database triggers that enforce
"at least one" everywhere are tried in test_owner_constraint.py); the owner's transfer page and the staff
console's transfer of an owner who left."""

import pytest
from django.core import mail

from accounts.models import Membership, User
from tests.helpers import admin_change_data, demo_member, new_events, text

pytestmark = pytest.mark.usefixtures("demo")


def edit(staff, membership: Membership, **changes):
    data = {"user": membership.user_id, "account": membership.account_id, "role": membership.role, **changes}
    return staff.post(f"/staff/accounts/membership/{membership.pk}/change/", data)


def test_r1_5_staff_cannot_demote_the_owner_from_the_console(sign_in):
    owner = demo_member("owner@acme.test")
    response = edit(sign_in("root@staff.test"), owner, role="admin")
    assert response.status_code == 200 and "The owner stays the owner" in text(response)
    owner.refresh_from_db()
    assert owner.role == "owner"


def test_r1_5_staff_cannot_make_a_second_owner(sign_in):
    admin = demo_member("admin@acme.test")
    response = edit(sign_in("root@staff.test"), admin, role="owner")
    assert response.status_code == 200 and "has an owner already" in text(response)
    assert Membership.objects.filter(account=admin.account, role="owner").count() == 1


def test_r1_5_a_staff_user_is_never_a_member_of_a_customer_account(sign_in):
    agent = demo_member("agent@acme.test")
    staff_user = User.objects.get(email="support@staff.test")
    response = edit(sign_in("root@staff.test"), agent, user=staff_user.pk)
    assert response.status_code == 200 and "Staff users cannot be members" in text(response)
    agent.refresh_from_db()
    assert agent.user.email == "agent@acme.test"


OWNER_PAGE = "/admin/account/billing/owner/"


def role_of(email: str) -> str:
    return Membership.objects.get(user__email=email).role


def test_r1_5_the_owner_transfers_the_ownership_after_confirming(sign_in, django_capture_on_commit_callbacks):
    owner = sign_in("owner@acme.test")
    page = owner.get(OWNER_PAGE)
    assert page.status_code == 200
    assert "admin@acme.test" in text(page) and "billing@acme.test" in text(page)
    assert "agent@acme.test" not in text(page)  # agents cannot receive it
    admin = demo_member("admin@acme.test")

    unconfirmed = owner.post(OWNER_PAGE, {"successor": admin.pk})
    assert unconfirmed.status_code == 422 and "Tick the box" in text(unconfirmed)
    agent = owner.post(OWNER_PAGE, {"successor": demo_member("agent@acme.test").pk, "confirm": "on"})
    assert agent.status_code == 422
    assert role_of("owner@acme.test") == "owner" and not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        done = owner.post(OWNER_PAGE, {"successor": admin.pk, "confirm": "on"}, follow=True)
    assert "admin@acme.test is now the account owner" in text(done)
    assert (role_of("owner@acme.test"), role_of("admin@acme.test")) == ("admin", "owner")
    assert {*mail.outbox[0].to} == {"owner@acme.test", "admin@acme.test"}
    assert "ownership_transferred" in set(new_events().values_list("kind", flat=True))
    # The former owner is an admin now: the page, and a second transfer, are refused.
    assert owner.post(OWNER_PAGE, {"successor": admin.pk, "confirm": "on"}).status_code == 403


@pytest.mark.parametrize("email", ["billing@acme.test", "admin@acme.test"])
def test_r1_5_only_the_owner_sees_the_transfer_page(sign_in, email):
    response = sign_in(email).get(OWNER_PAGE)
    assert response.status_code == 403
    assert "Only the account owner can transfer" in text(response)


def test_r1_5_staff_transfer_the_ownership_of_an_owner_who_left(sign_in):
    owner, billing = demo_member("owner@acme.test"), demo_member("billing@acme.test")
    support = sign_in("support@staff.test")
    action = {"action": "transfer_ownership", "_selected_action": owner.account_id}
    form = support.post("/staff/accounts/account/", action)
    assert form.status_code == 200 and "billing@acme.test" in text(form)
    done = support.post(
        "/staff/accounts/account/", {**action, "apply": "1", "successor": billing.pk}, follow=True
    )
    assert "billing@acme.test is now the owner of acme self-service" in text(done).lower()
    assert (role_of("owner@acme.test"), role_of("billing@acme.test")) == ("admin", "owner")
    event = new_events().get(kind="ownership_transferred")
    assert event.actor.email == "support@staff.test"


def test_r1_5_staff_cannot_delete_the_owner(sign_in):
    owner = demo_member("owner@acme.test")
    root = sign_in("root@staff.test")
    assert root.post(f"/staff/accounts/membership/{owner.pk}/delete/", {"post": "yes"}).status_code == 403
    refused_user = root.post(f"/staff/accounts/user/{owner.user_id}/delete/", {"post": "yes"})
    assert refused_user.status_code in (200, 403)  # the confirmation page names what may not be deleted
    assert User.objects.filter(pk=owner.user_id).exists() and role_of("owner@acme.test") == "owner"


def test_r1_5_the_account_page_cannot_tick_the_owner_for_deletion(sign_in):
    owner = demo_member("owner@acme.test")
    root = sign_in("root@staff.test")
    url = f"/staff/accounts/account/{owner.account_id}/change/"
    data = admin_change_data(root.get(url))
    prefix = next(
        key
        for key, value in data.items()
        if key.startswith("memberships-") and key.endswith("-id") and value == str(owner.pk)
    )[:-3]
    response = root.post(url, {**data, f"{prefix}-DELETE": "on"})
    assert response.status_code == 200 and "transfer the ownership first" in text(response)
    assert role_of("owner@acme.test") == "owner"


def test_r1_5_a_member_cannot_be_made_staff(sign_in):
    agent = demo_member("agent@acme.test")
    root = sign_in("root@staff.test")
    url = f"/staff/accounts/user/{agent.user_id}/change/"
    response = root.post(url, {**admin_change_data(root.get(url)), "is_staff": "on"})
    assert response.status_code == 200 and "Staff users cannot be members" in text(response)
    assert not User.objects.get(pk=agent.user_id).is_staff


def test_r1_5_the_owner_cannot_be_moved_to_another_account_from_the_console(sign_in):
    owner, other = demo_member("owner@acme.test"), demo_member("agent@acme.test")
    elsewhere = Membership.objects.exclude(account=owner.account).first().account
    response = edit(sign_in("root@staff.test"), owner, account=elsewhere.pk)
    assert response.status_code == 200 and "The owner stays the owner" in text(response)
    owner.refresh_from_db()
    assert owner.account_id == other.account_id
