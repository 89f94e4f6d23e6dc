"""R1.5 in the database: an account that has an owner keeps exactly one, whatever writes to it — the ORM,
raw SQL, a deleted user, a membership moved elsewhere. The tests commit (transaction=True): PostgreSQL checks
"at least one" at commit, SQLite at each statement; both must refuse, and both must allow the transfer."""

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from accounts.models import Account, Membership, User
from billing.models import BillingEvent
from billing.services.members import ownership_transfer
from tests.factories import AccountFactory, MembershipFactory
from tests.helpers import NOW

pytestmark = pytest.mark.django_db(transaction=True)
Role = Membership.Role


@pytest.fixture
def team():
    account = AccountFactory()
    return {
        "account": account,
        "owner": MembershipFactory(account=account, owner=True),
        "admin": MembershipFactory(account=account, admin=True),
        "billing": MembershipFactory(account=account, billing_admin=True),
        "agent": MembershipFactory(account=account),
    }


def refused(write) -> None:
    """The write, in its own transaction, is refused by the database (at the statement or at commit)."""
    with (
        pytest.raises(
            IntegrityError, match="R1.5|one_owner|UNIQUE constraint failed: accounts_membership.account_id"
        ),
        transaction.atomic(),
    ):
        write()


def owners(account) -> list[str]:
    return list(
        Membership.objects.filter(account=account, role=Role.OWNER).values_list("user__email", flat=True)
    )


def test_r1_5_the_orm_cannot_demote_or_delete_the_only_owner(team):
    owner = team["owner"]
    refused(lambda: Membership.objects.filter(pk=owner.pk).update(role=Role.ADMIN))
    refused(lambda: Membership.objects.filter(pk=owner.pk).delete())
    refused(lambda: User.objects.filter(pk=owner.user_id).delete())
    refused(lambda: Membership.objects.filter(pk=owner.pk).update(account=AccountFactory()))
    assert owners(team["account"]) == [owner.user.email]


def test_r1_5_raw_sql_cannot_take_the_owner_away_or_add_a_second(team):
    owner, admin = team["owner"], team["admin"]

    def sql(statement, *params):
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    refused(lambda: sql("UPDATE accounts_membership SET role = 'agent' WHERE id = %s", owner.pk))
    refused(lambda: sql("DELETE FROM accounts_membership WHERE id = %s", owner.pk))
    refused(lambda: sql("UPDATE accounts_membership SET role = 'owner' WHERE id = %s", admin.pk))
    assert owners(team["account"]) == [owner.user.email]


def test_r1_5_an_account_whose_data_was_deleted_lets_its_people_go(team):
    """R8.6 deletes the people of a closed account: marked deleted first, it may lose its owner."""
    with transaction.atomic():
        Account.objects.filter(pk=team["account"].pk).update(status=Account.Status.DELETED)
        User.objects.filter(membership__account=team["account"]).delete()
    assert not Membership.objects.filter(account=team["account"]).exists()


@pytest.mark.parametrize("to", ["admin", "billing"])
def test_r1_5_the_owner_transfers_to_an_admin_or_billing_admin(team, to):
    owner, successor = team["owner"], team[to]
    with transaction.atomic():
        ownership_transfer(account=team["account"], successor_id=successor.pk, by=owner.user, now=NOW)
    assert owners(team["account"]) == [successor.user.email]
    owner.refresh_from_db()
    assert owner.role == Role.ADMIN
    event = BillingEvent.objects.get(account=team["account"], kind=BillingEvent.Kind.OWNERSHIP_TRANSFERRED)
    assert (event.before["owner"], event.after["owner"]) == (owner.user.email, successor.user.email)
    [email] = mail.outbox
    assert sorted(email.to) == sorted([owner.user.email, successor.user.email])
    assert "new account owner" in email.subject


def test_r1_5_an_agent_cannot_receive_the_ownership_and_nothing_changes(team):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        ownership_transfer(
            account=team["account"], successor_id=team["agent"].pk, by=team["owner"].user, now=NOW
        )
    assert owners(team["account"]) == [team["owner"].user.email]
    assert not mail.outbox


def test_r1_5_each_transfer_has_its_email_even_at_the_same_moment(team):
    """Test-clock accounts stand still: three transfers at the same `now` are three emails."""
    owner, admin = team["owner"], team["admin"]
    for giver, taker in [(owner, admin), (admin, owner), (owner, admin)]:
        with transaction.atomic():
            ownership_transfer(account=team["account"], successor_id=taker.pk, by=giver.user, now=NOW)
    assert len(mail.outbox) == 3 and owners(team["account"]) == [admin.user.email]


def test_r1_5_staff_without_the_permission_to_change_accounts_cannot_transfer(team):
    from django.core.exceptions import PermissionDenied

    viewer = User.objects.create_user(email="viewer@staff.test", password="unused-Pa55word", is_staff=True)
    with pytest.raises(PermissionDenied):
        ownership_transfer(account=team["account"], successor_id=team["admin"].pk, by=viewer, now=NOW)
    assert owners(team["account"]) == [team["owner"].user.email]
