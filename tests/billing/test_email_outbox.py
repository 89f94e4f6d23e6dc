"""Issue 16: every email is sent at least once, and a duplicate carries the same Message-ID. Real worker
processes (`db_worker`, as in production) on a database of their own, killed with SIGKILL while sending; the
billing clock then sends what they held. The mail server is Django's file backend: a file written is a
message accepted."""

import email
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from tests.billing.test_crash_safety import KILLED, Book
from tests.processes import ROOT, Server

EMAILS = 10
LEASE_SECONDS = 1  # how long a killed worker's claim keeps the clock away; one second for the test


@pytest.fixture
def outbox(tmp_path):
    server = Server(tmp_path)
    book = Book(server.new(f"outbox_{uuid.uuid4().hex[:8]}"), tmp_path / "ledger.sqlite3")
    mail = tmp_path / "mail"
    mail.mkdir()
    try:
        migrated = book.manage("migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        yield book, mail
    finally:
        server.drop_all()


def run(book: Book, mail: Path, *args: str, crash_at: str = "") -> subprocess.CompletedProcess:
    env = book.env(crash_at) | {"EMAIL_URL": f"filemail:///{mail}", "EMAIL_LEASE_SECONDS": str(LEASE_SECONDS)}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def message_ids(mail: Path) -> Counter:
    """Each message the mail server accepted, by Message-ID."""
    ids = Counter()
    for file in mail.iterdir():
        for raw in file.read_text().split("-" * 79):
            if raw.strip():
                ids[email.message_from_string(raw.strip())["Message-ID"]] += 1
    return ids


@pytest.mark.parametrize(("point", "duplicates"), [("email-claimed:3", 0), ("email-sent:3", 1)])
def test_a_worker_killed_mid_send_loses_no_email_and_a_duplicate_keeps_its_message_id(
    outbox, point, duplicates
):
    book, mail = outbox
    assert book.facts(f"emails_write({EMAILS})") == {"written": EMAILS}
    killed = run(book, mail, "db_worker", "--batch", "--no-startup-delay", crash_at=point)
    assert killed.returncode == KILLED, killed.stderr[-3000:]
    rest = run(book, mail, "db_worker", "--batch", "--no-startup-delay")
    assert rest.returncode == 0, rest.stderr[-3000:]
    time.sleep(LEASE_SECONDS + 0.5)  # the killed worker's claim runs out
    tick = run(book, mail, "billing_tick")
    assert tick.returncode == 0, tick.stderr[-3000:]

    facts = book.facts("emails_facts()")["emails"]
    assert all(row["sent"] for row in facts.values()) and len(facts) == EMAILS
    accepted = message_ids(mail)
    assert set(accepted) == {f"<outbox-{n}@127.0.0.1>" for n in range(EMAILS)}  # every email, at least once
    assert sorted(accepted.values()) == [1] * (EMAILS - duplicates) + [2] * duplicates
    assert sum(row["attempts"] for row in facts.values()) == EMAILS + 1  # the killed one was tried twice


# --- The outbox's rules, in process ---------------------------------------------------------------------


@pytest.fixture
def account(db):
    from tests.factories import MembershipFactory

    return MembershipFactory(owner=True, user__email="owner@outbox.test").account


def written(account, key="outbox-1"):
    from billing import emails

    context = {"account": account, "deletion_at": account.created_on}
    return emails.send_once(key=key, account=account, template="suspended", context=context)


def test_an_email_is_written_with_its_decision_and_goes_if_the_decision_is_rolled_back(
    account, django_capture_on_commit_callbacks
):
    from django.core import mail
    from django.db import transaction

    from billing.models import EmailLog

    failing = pytest.raises(RuntimeError)
    with failing, django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        written(account)
        raise RuntimeError("the decision fails")
    assert not EmailLog.objects.filter(account=account).exists() and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        assert written(account) is True
        assert written(account) is False  # the same key is not written twice (R9.1)
    (sent,) = mail.outbox
    assert sent.to == ["owner@outbox.test"] and sent.extra_headers["Message-ID"] == "<outbox-1@127.0.0.1>"


def test_a_refused_email_is_tried_again_by_the_clock_once_its_claim_ran_out(account, settings, monkeypatch):
    from datetime import timedelta

    from django.core import mail
    from django.core.mail.backends.locmem import EmailBackend

    from billing import outbox
    from billing.clock import now_for
    from billing.models import EmailLog

    written(account)  # its after-commit send never ran (the test's transaction does not commit)
    email = EmailLog.objects.get(account=account)
    now = now_for()
    assert outbox.emails_send_due(real_now=now) == 0  # still the worker's

    def refuse(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    assert outbox.email_send(email.pk, real_now=now) is False
    email.refresh_from_db()
    assert (email.attempts, email.sent_at, email.last_error) == (
        1,
        None,
        "ConnectionRefusedError: mail server down",
    )
    monkeypatch.undo()
    later = now + timedelta(seconds=settings.EMAIL_LEASE_SECONDS + 1)
    assert outbox.emails_send_due(real_now=later) == 1
    email.refresh_from_db()
    assert email.sent_at == later and email.attempts == 2 and len(mail.outbox) == 1
    assert outbox.emails_send_due(real_now=later + timedelta(days=1)) == 0  # sent: never again


def test_r8_6_an_email_whose_people_were_deleted_is_not_sent(account):
    from django.core import mail

    from billing import outbox
    from billing.models import EmailLog

    written(account)
    EmailLog.objects.filter(account=account).update(recipients="", body="")  # what the data deletion does
    email = EmailLog.objects.get(account=account)
    assert outbox.email_send(email.pk) is True
    email.refresh_from_db()
    assert not mail.outbox and email.sent_at is not None


def test_an_email_refused_again_and_again_is_tried_later_each_time_then_left_for_staff(account, monkeypatch):
    from datetime import timedelta

    from django.core.mail.backends.locmem import EmailBackend

    from billing import outbox
    from billing.clock import now_for
    from billing.models import EmailLog

    written(account)
    email = EmailLog.objects.get(account=account)

    def refuse(self, messages):
        raise ConnectionRefusedError("no such mailbox")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    moment, waits = now_for(), []
    for _ in range(outbox.GIVE_UP_AFTER):
        moment += timedelta(days=1)
        assert outbox.emails_send_due(real_now=moment) == 0
        email.refresh_from_db()
        waits.append(email.claimed_until - moment)
    assert waits == [outbox.lease() * attempt for attempt in range(1, outbox.GIVE_UP_AFTER + 1)]
    assert outbox.emails_send_due(real_now=moment + timedelta(days=30)) == 0
    email.refresh_from_db()
    assert (email.attempts, email.sent_at) == (outbox.GIVE_UP_AFTER, None)  # left, unsent, for staff to see
