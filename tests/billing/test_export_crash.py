"""R7.6, issue 16: an export whose worker is killed mid-build is not stuck. Real processes on a database of
their own (a SQLite file, or a PostgreSQL database on the suite's server): `manage.py db_worker` with the
database task backend, as in production, SIGKILLed at 37 % (crash point "export-building", the third of the
export's eight steps); the billing clock at a time past the silence limit; the worker again."""

import json
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from billing.services.exports import BUILDING_SILENCE, MAX_ATTEMPTS
from tests.processes import ROOT, Server, child_env

KILLED = -signal.SIGKILL
AT_37_PERCENT = "export-building:3"  # int(100 * 3 / 8): where the adversarial tester's worker died
PAST_THE_LIMIT = BUILDING_SILENCE + timedelta(minutes=1)


@dataclass
class Site:
    database_url: str
    folder: Path

    def env(self, crash_at: str = "") -> dict:
        return child_env(
            self.database_url,
            PAYMENT_SANDBOX_LEDGER=str(self.folder / "ledger.sqlite3"),
            TASKS_BACKEND="django_tasks_db.DatabaseBackend",  # queued for db_worker, as in production
            MEDIA_ROOT=str(self.folder / "media"),
            # The file backend, so the worker's emails can be counted ("////": an absolute path).
            EMAIL_URL=f"filemail:///{self.folder / 'mail'}",
            BILLING_CRASH_AT=crash_at,
        )

    def run(self, *args: str, crash_at: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(crash_at),
            capture_output=True,
            text=True,
            timeout=300,
        )

    def step(self, call: str) -> dict:
        done = self.run("shell", "-c", f"from tests.billing import export_steps as s; s.{call}")
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def worker(self, *, crash_at: str = "") -> int:
        done = self.run("db_worker", "--batch", "--no-startup-delay", "--no-reload", crash_at=crash_at)
        assert done.returncode in (0, KILLED), done.stderr[-3000:]
        return done.returncode

    def exports(self) -> list[dict]:
        return self.step("exports()")["exports"]

    def tick(self, at: datetime) -> dict:
        return self.step(f"tick({at.isoformat()!r})")

    def files(self) -> list[Path]:
        folder = self.folder / "media" / "exports"
        return list(folder.iterdir()) if folder.exists() else []

    def ready_emails(self) -> int:
        folder = self.folder / "mail"
        messages = [f.read_text() for f in folder.iterdir()] if folder.exists() else []
        return sum(text.count("Subject: Your data export is ready") for text in messages)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Migrated once, with the demo: each test copies it."""
    folder = tmp_path_factory.mktemp("export-crash")
    server = Server(folder)
    name = f"export_template_{uuid.uuid4().hex[:8]}"
    site = Site(server.new(name), folder)
    try:
        for command in (["migrate", "--noinput"], ["seed_demo"]):
            done = site.run(*command)
            assert done.returncode == 0, done.stderr[-3000:]
        site.worker()  # the demo's own queued tasks (invoice emails): out of the way
        yield server, name
    finally:
        server.drop_all()


@pytest.fixture
def site(template, tmp_path) -> Site:
    server, name = template
    return Site(server.new(f"export_{uuid.uuid4().hex[:8]}", template=name), tmp_path)


def test_r7_6_a_worker_killed_at_37_percent_is_built_again_after_the_tick_and_emails_once(site):
    started = timezone.now()
    site.step("request()")
    assert site.worker(crash_at=AT_37_PERCENT) == KILLED
    (export,) = site.exports()
    assert (export["status"], export["progress"], export["attempts"]) == ("building", 37, 1)
    site.worker()  # a new worker does not pick up a task that was running: the export stays stuck…
    assert site.exports()[0]["status"] == "building"
    assert site.tick(started + timedelta(minutes=5))["exports"] == {"requeued": 0, "failed": 0}
    # …until the billing clock finds it silent past the limit and queues it again, from the start.
    assert site.tick(started + PAST_THE_LIMIT)["exports"] == {"requeued": 1, "failed": 0}
    (export,) = site.exports()
    assert (export["status"], export["progress"], export["attempts"]) == ("queued", 0, 1)
    assert site.worker() == 0
    site.worker()  # once more: nothing left to do, nothing sent twice
    (export,) = site.exports()
    assert (export["status"], export["progress"], export["attempts"]) == ("ready", 100, 2)
    assert len(site.files()) == 1 and site.ready_emails() == 1


def test_r7_6_a_worker_killed_at_every_attempt_fails_the_export_and_the_owner_starts_again(site):
    started = timezone.now()
    site.step("request()")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert site.worker(crash_at=AT_37_PERCENT) == KILLED
        report = site.tick(started + attempt * PAST_THE_LIMIT)["exports"]
        expected = {"requeued": 0, "failed": 1} if attempt == MAX_ATTEMPTS else {"requeued": 1, "failed": 0}
        assert report == expected, attempt
    (export,) = site.exports()
    assert (export["status"], export["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert export["failure"] == f"no sign of life from the worker after {MAX_ATTEMPTS} attempts"
    assert site.step("page()") == {"failed_shown": True, "polling": False, "post": 302}
    assert site.worker() == 0
    failed, new = site.exports()
    assert (failed["status"], new["status"], new["attempts"]) == ("failed", "ready", 1)
    assert len(site.files()) == 1 and site.ready_emails() == 1
