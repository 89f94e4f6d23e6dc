"""R4.12 under real concurrency: two confirmations of the same form at the same moment record one."""

import pytest
from django.test import Client

from billing.models import Cancellation, ScheduledChange
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
