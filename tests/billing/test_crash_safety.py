"""R8.8: money moves exactly once, whatever process dies where. Real child processes on a database of their
own (a SQLite file, or a PostgreSQL database on the suite's server), killed with SIGKILL at each named crash
point (billing/crash.py) and at random moments, then run again until done. Afterwards the provider's own
ledger (`provider_ledger`) and `billing_reconcile` must show every payment made once, and one invoice each.
"""

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import ROOT, Server, child_env

DUE_ACCOUNTS = 2000
DECLINED_EVERY = 40  # 50 of them refused: they go on to dunning, one by one
KILLED = -signal.SIGKILL


@dataclass
class Book:
    """A database and a provider ledger of the children's own."""

    database_url: str
    ledger: Path

    def env(self, crash_at: str = "") -> dict:
        return child_env(
            self.database_url,
            PAYMENT_SANDBOX_LEDGER=str(self.ledger),
            TASKS_BACKEND="django_tasks_db.DatabaseBackend",  # emails queued for a worker, as in production
            BILLING_CRASH_AT=crash_at,
        )

    def step(self, call: str, *, crash_at: str = "") -> subprocess.CompletedProcess:
        """Run one step of tests/billing/crash_steps.py in a child process."""
        return subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                f"from tests.billing import crash_steps as s; s.{call}",
            ],
            cwd=ROOT,
            env=self.env(crash_at),
            capture_output=True,
            text=True,
            timeout=600,
        )

    def facts(self, call: str) -> dict:
        done = self.step(call)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(), capture_output=True, text=True
        )

    def ledger_rows(self) -> list[dict]:
        out = self.manage("provider_ledger", "--json")
        assert out.returncode == 0, out.stderr[-3000:]
        return [json.loads(line) for line in out.stdout.splitlines()]

    def reconciled(self) -> str:
        out = self.manage("billing_reconcile")
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
        return out.stdout


def copy_ledger(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Migrated once, with the demo and DUE_ACCOUNTS accounts due for renewal: each test copies it."""
    folder = tmp_path_factory.mktemp("crash")
    server = Server(folder)
    name = f"crash_template_{uuid.uuid4().hex[:8]}"
    book = Book(server.new(name), folder / "template-ledger.sqlite3")
    try:
        migrated = book.manage("migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        book.facts(f"seed({DUE_ACCOUNTS}, {DECLINED_EVERY})")
        yield server, name, book
    finally:
        server.drop_all()


@pytest.fixture
def book(template) -> Book:
    server, name, source = template
    copy = f"crash_{uuid.uuid4().hex[:8]}"
    ledger = server.folder / f"{copy}-ledger.sqlite3"
    copy_ledger(source.ledger, ledger)
    return Book(server.new(copy, template=name), ledger)


def killed(run: subprocess.CompletedProcess) -> bool:
    return run.returncode == KILLED


def run_until_done(book: Book, call: str, points: list[str], random_kills: int) -> dict:
    """Kill the step at each point (it must die there), then at random moments, then run it until it
    finishes. Returns what happened, for the README's figures."""
    kills, took = Counter(), {}
    started = time.monotonic()
    book.step("started()")  # a child that starts and stops: Django's start-up, measured here
    startup = took["start-up"] = time.monotonic() - started
    for point in points:
        started = time.monotonic()
        run = book.step(call, crash_at=point)
        took[point] = time.monotonic() - started
        assert killed(run), f"{call} was not killed at {point}: {run.returncode} {run.stderr[-2000:]}"
        kills[point] += 1
    # Random moments scaled on this machine: after start-up, within about two runs to the first point
    # that needs work done (the second point: the first batch is done by then).
    work = max(took[points[1]] - startup, 0.2) if len(points) > 1 else 1.0
    rng = random.Random(15)
    for attempt in range(random_kills):
        errors = book.ledger.with_name(f"{book.ledger.stem}-random-{attempt}.err")
        with errors.open("w") as stderr:
            child = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "shell",
                    "-c",
                    f"from tests.billing import crash_steps as s; s.{call}",
                ],
                cwd=ROOT,
                env=book.env(),
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
            time.sleep(startup + rng.uniform(0.1, 2.0) * work)
            child.send_signal(signal.SIGKILL)
            status = child.wait()
        # Killed, or done before the signal came: never a failure of its own.
        assert status in (KILLED, 0), f"{call} failed: {status} {errors.read_text()[-3000:]}"
        kills["random" if status == KILLED else "finished first"] += 1
    for _ in range(3):
        run = book.step(call)
        if run.returncode == 0:
            return {"kills": dict(kills), "last": json.loads(run.stdout.strip().splitlines()[-1])}
    raise AssertionError(run.stderr[-3000:])


def charges_by_reference(rows: list[dict]) -> Counter:
    return Counter(r["reference"] for r in rows if r["operation"] == "charge" and r["outcome"] == "succeeded")


def test_r8_8_a_tick_killed_anywhere_over_2000_due_accounts_charges_each_renewal_once(book):
    # In this order, each run gets further: nothing committed; a batch's intents committed; the provider
    # answered them; their answers recorded; then a second batch answered, after a first one recorded in
    # the same run. Then random moments in the 500 accounts left.
    points = ["mid-batch", "intent-committed", "provider-answered", "answer-recorded", "provider-answered:2"]
    outcome = run_until_done(book, "tick()", points, random_kills=3)
    facts = book.facts("renewal_facts()")
    assert facts["accounts"] == DUE_ACCOUNTS and facts["pending"] == 0
    assert facts["invoices_per_account"] == [[1, DUE_ACCOUNTS]]  # one renewal invoice each
    assert facts["intents_per_invoice"] == [[1, DUE_ACCOUNTS]]  # one charge each, under one key
    declined = DUE_ACCOUNTS // DECLINED_EVERY
    assert (facts["paid"], facts["chased"]) == (DUE_ACCOUNTS - declined, declined)
    # What each answer means, recorded once: one "paid" or one "refused" event, one dunning case.
    assert facts["paid_events_per_account"] == [[1, DUE_ACCOUNTS - declined]]
    assert facts["refused_events_per_account"] == [[1, declined]]
    assert facts["cases_per_account"] == [[1, declined]]
    rows = book.ledger_rows()
    renewals = set(facts["numbers"])  # the bench's invoices (the demo's paid history is in the ledger too)
    charged = Counter({number: n for number, n in charges_by_reference(rows).items() if number in renewals})
    assert len(charged) == DUE_ACCOUNTS - declined and set(charged.values()) == {1}  # duplicates: 0
    assert len({r["key"] for r in rows}) == len(rows)
    assert "No mismatch" in book.reconciled()
    print(f"\nrenewals: {DUE_ACCOUNTS} accounts, kills {outcome['kills']}, duplicates 0")


@pytest.mark.parametrize("point", ["intent-committed", "provider-answered"])
def test_r8_8_a_manage_confirmation_killed_is_charged_once_by_the_next_tick(book, point):
    preview = book.facts("manage_preview()")
    confirm = f"manage_confirm({preview['quote']!r})"
    assert killed(book.step(confirm, crash_at=point))
    facts = book.facts("manage_facts()")
    assert (facts["changes"], facts["charges"], facts["invoiced"], facts["pending"]) == (1, 1, 1, 1)
    assert book.facts(confirm) == {"result": "already applied"}  # the owner clicks again: nothing more
    tick = book.facts("tick()")
    assert tick["failed"] == [] and tick["mismatches"] == 0
    facts = book.facts("manage_facts()")
    assert (facts["changes"], facts["charges"], facts["paid"], facts["pending"]) == (1, 1, 1, 0)
    (number,) = facts["numbers"]
    assert charges_by_reference(book.ledger_rows())[number] == 1
    assert "No mismatch" in book.reconciled()


@pytest.mark.parametrize("point", ["intent-committed", "provider-answered"])
def test_r8_8_a_refund_killed_is_made_once_by_the_next_tick(book, point):
    book.facts("renew_acme()")
    assert killed(book.step("terminate_acme()", crash_at=point))
    assert book.facts("refund_facts()")["pending"] == 1
    assert book.facts("tick()")["mismatches"] == 0
    facts = book.facts("refund_facts()")
    ((number, total),) = facts["credit_notes"]
    assert (facts["refunds"], facts["refund_events"], facts["pending"]) == (1, 1, 0)
    refunds = [r for r in book.ledger_rows() if r["operation"] == "refund"]
    assert [(r["reference"], r["amount"]) for r in refunds] == [(number, total)]
    assert "No mismatch" in book.reconciled()


@pytest.mark.parametrize("point", ["intent-committed", "provider-answered", "answer-recorded"])
def test_r8_8_a_dunning_retry_killed_is_charged_once(book, point):
    book.facts("renew_acme(declined=True)")
    assert killed(book.step("retry_acme()", crash_at=point))
    book.facts("retry_acme()")  # the next tick
    facts = book.facts("retry_facts()")
    assert (facts["case"], facts["invoice_status"], facts["pending"]) == ("recovered", "paid", 0)
    assert [status for _key, status in facts["charges"]] == ["failed", "succeeded"]
    assert facts["charges"][1][0] == f"dunning-{facts['invoice']}-d2-{facts['invoice']}"
    assert charges_by_reference(book.ledger_rows())[facts["invoice"]] == 1
    assert "No mismatch" in book.reconciled()
