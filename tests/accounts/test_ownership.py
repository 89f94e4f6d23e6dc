"""R1.5: exactly one owner per account, and staff users are never members of a customer account — checked
by every form that edits a membership, the staff console's among them (the database triggers that enforce
"at least one" everywhere are still to come, issue 16)."""

import pytest

from accounts.models import Membership, User
from tests.helpers import demo_member, text

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
