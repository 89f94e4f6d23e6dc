"""R4.12, R7.3 under real concurrency: two confirmations of the same form, or two staff submits of the same
action, at the same moment record one."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import Account, User
from billing.models import Cancellation, FinalStatement, Invoice, ScheduledChange
from billing.services.contracts import early_termination, termination_preview
from devtools.demo import seed_demo
from tests.concurrency import postgresql_only, run_together
from tests.helpers import CANCELLATIONS, NOW, demo_member, item, select, token_of

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]


def race(posts) -> list[int]:
    """Each POST in its own thread and connection, at the same moment; their sorted status codes."""
    responses = run_together([lambda c=client, u=url, d=data: c.post(u, d) for client, url, data in posts])
    return sorted(response.status_code for response in responses)


def owner_client() -> Client:
    client = Client()
    client.force_login(demo_member("owner@acme.test").user)
    return client


def test_r4_12_two_concurrent_confirmations_of_the_same_removal_record_one():
    seed_demo(now=NOW)
    client = owner_client()
    select(client, item("Acme Self-Service", "talk"), item("Acme Self-Service", "chat"))
    data = {"reason": "too_expensive", "token": token_of(client)}
    statuses = race(
        [
            (owner_client(), CANCELLATIONS + "confirm/", data),
            (owner_client(), CANCELLATIONS + "confirm/", data),
        ]
    )
    assert statuses == [302, 409]
    assert Cancellation.objects.count() == 1
    assert ScheduledChange.objects.filter(kind="remove_item").count() == 2


def test_r4_12_two_concurrent_account_cancellations_record_one():
    seed_demo(now=NOW)
    posts = [
        (
            owner_client(),
            CANCELLATIONS + "account/confirm/",
            {"reason": "other", "token": token, "exported": "on"},
        )
        for token in ("8a2c7f5e-0000-4000-8000-000000000001", "8a2c7f5e-0000-4000-8000-000000000002")
    ]
    assert race(posts) == [302, 409]
    assert ScheduledChange.objects.filter(kind="cancel_account").count() == 1


def test_r7_3_staff_terminating_early_twice_at_once_terminates_once_and_refuses_the_other():
    """Issue 16: staff actions lock the account first, then check it: the second waits and is refused."""
    seed_demo(now=NOW)
    root = User.objects.get(email="root@staff.test")
    account = Account.objects.get(name="Acme Self-Service")
    signed = termination_preview(account, now=NOW)[1]
    results = run_together([lambda: early_termination(account=account, by=root, signed=signed, now=NOW)] * 2)
    statements = [r for r in results if isinstance(r, FinalStatement)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(statements), len(refused)) == (1, 1), results
    assert FinalStatement.objects.filter(account=account).count() == 1
    assert Invoice.objects.filter(account=account, kind="credit_note").count() <= 1
