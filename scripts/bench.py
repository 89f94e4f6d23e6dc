"""`make bench`: page throughput and latency under gunicorn, and the billing clock, on SQLite and PostgreSQL.

For each database: migrate, load the demo plus 10,000 accounts (seed_bench), serve the app with gunicorn
(2 sync workers, DEBUG off, CONN_MAX_AGE on PostgreSQL), sign Acme's owner in, then drive each page with wrk
(16 connections) after a warm-up: first a baseline page that only authenticates the session and renders the
base layout (devtools/urls_bench.py), then the billing pages, each rendered as a first view is. Every page is
checked to answer 200 first, and a run with any non-2xx answer fails. Then bench_tick on a fresh database
for each size in BENCH_TICK_ACCOUNTS.

PostgreSQL: BENCH_DATABASE_URL if set, else a throwaway server started here (as root, like .ci/run), else
skipped with a message. Environment: BENCH_TICK_ACCOUNTS ("10000 100000"), BENCH_DATABASES ("sqlite
postgresql"). The set-up itself is frozen (README › Performance) so that a ratio means the same thing from run
to run: the baseline view, gunicorn 2 sync workers, DEBUG off, wrk with 2 threads and 16 connections, 10 s
per page after a 2 s warm-up. Targets (issue 14): every page at ≥ 0.5 × the baseline's requests per second
and p99 ≤ 2 × the baseline's p99, in the same run.
"""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECONDS, WARMUP_SECONDS, CONNECTIONS = 10, 2, 16
MIN_THROUGHPUT_RATIO, MAX_P99_RATIO = 0.5, 2.0
TICK_SIZES = [int(n) for n in os.environ.get("BENCH_TICK_ACCOUNTS", "10000 100000").split()]
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite postgresql").split()
BILLING = "/admin/account/billing"
PAGES = [
    ("Baseline (session + layout)", "/bench/baseline/"),
    ("Subscription", f"{BILLING}/subscription/"),
    ("Manage", f"{BILLING}/subscription/manage/"),
    ("Cancellations", f"{BILLING}/cancellations/"),
    ("Cancellation review", f"{BILLING}/cancellations/review/"),
    ("Account cancellation", f"{BILLING}/cancellations/account/"),
    ("Invoices", f"{BILLING}/invoices/"),
    ("Billing history", f"{BILLING}/history/"),
    ("Payment", f"{BILLING}/payment/"),
    ("Billing contacts", f"{BILLING}/contacts/"),
    ("Data export", f"{BILLING}/export/"),
]
# Acme's owner, signed in, with Talk selected on the Cancellations page (so its review has a summary).
SESSION_CODE = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import User
from billing.models import CancellationDraft, SubscriptionItem
user = User.objects.get(email="owner@acme.test")
draft, _ = CancellationDraft.objects.get_or_create(account=user.membership.account)
talk = SubscriptionItem.objects.get(subscription__account=draft.account, product__code="talk", ended_at=None)
draft.items.add(talk)
session = SessionStore()
session.update({SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash(),
                BACKEND_SESSION_KEY: "accounts.backends.MembershipBackend"})
session.create()
print(session.session_key)
"""


def app_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        "ROOT_URLCONF": "devtools.urls_bench",
        "DEV_TOOLS": "1",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "ERROR",
        "PYTHONWARNINGS": "ignore:No directory at",  # WhiteNoise: no collectstatic, no static files asked for
    }


def manage(env, *args) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env):
    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_answers_200(url: str, cookie: str) -> None:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        status = opener.open(request, timeout=10).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"{url} answered {status}, not 200: the benchmark would measure an error page.")


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, cookie: str, seconds: int) -> dict:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookie}", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw errors on {url}:\n{output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": to_ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99": to_ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
    }


def bench_pages(database_url: str, label: str) -> list[tuple[str, dict]]:
    """Each page, after the baseline page of the same run."""
    env = app_env(database_url)
    print(f"== {label}: migrate, demo, 10,000 accounts", flush=True)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    print(manage(env, "seed_bench", "--accounts", "10000").strip(), flush=True)
    cookie = "sessionid=" + manage(env, "shell", "--no-imports", "-c", SESSION_CODE).strip().splitlines()[-1]
    results = []
    with gunicorn(env) as base:
        for name, path in PAGES:
            check_answers_200(base + path, cookie)
            wrk(base + path, cookie, WARMUP_SECONDS)  # warm-up: worker caches, database pages, connections
            results.append((name, wrk(base + path, cookie, SECONDS)))
            print(f"   {name}: {results[-1][1]['rps']:,.0f} req/s", flush=True)
    return results


def bench_tick(database_url: str, accounts: int) -> str:
    env = {**app_env(database_url), "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}  # as in production
    manage(env, "migrate", "--noinput")
    output = manage(env, "bench_tick", "--accounts", str(accounts))
    found = re.search(r"Finding the due accounts: ([\d,]+) of [\d,]+ in (\d+) ms", output)
    tick = re.search(r"Tick: ([\d,]+) accounts advanced .* in ([\d.]+) s", output)
    return f"{found.group(1)} due found in {found.group(2)} ms; tick {tick.group(2)} s"


@contextlib.contextmanager
def throwaway_postgresql():
    """A PostgreSQL server of our own for the run (the recipe of .ci/run), or None when not possible."""
    if os.environ.get("BENCH_DATABASE_URL"):
        yield os.environ["BENCH_DATABASE_URL"].rsplit("/", 1)[0]
        return
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins or os.geteuid() != 0:
        yield None
        return
    pgbin, port, folder = bins[-1], free_port(), Path(tempfile.mkdtemp(prefix="pgbench."))
    shutil.chown(folder, "postgres", "postgres")

    def as_postgres(*args):
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True)

    as_postgres(f"{pgbin}/initdb", "-D", f"{folder}/data", "-U", "postgres", "--auth=trust", "-E", "UTF8")
    as_postgres(
        f"{pgbin}/pg_ctl",
        "-D",
        f"{folder}/data",
        "-l",
        f"{folder}/log",
        "-w",
        "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
        "start",
    )
    try:
        for name in (
            "bench_pages",
            "bench_tick_10000",
            "bench_tick_100000",
            *(f"bench_tick_{n}" for n in TICK_SIZES),
        ):
            with contextlib.suppress(subprocess.CalledProcessError):
                as_postgres(f"{pgbin}/createdb", "-h", "127.0.0.1", "-p", str(port), name)
        yield f"postgres://postgres@127.0.0.1:{port}"
    finally:
        as_postgres(f"{pgbin}/pg_ctl", "-D", f"{folder}/data", "-m", "fast", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    workdir = ROOT / "var" / "bench"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    pages, ticks = {}, {}
    with throwaway_postgresql() as postgresql:
        servers = {
            "sqlite": f"sqlite:///{workdir}/%s.sqlite3",
            "postgresql": postgresql and f"{postgresql}/%s",
        }
        for vendor in DATABASES:
            if not servers.get(vendor):
                print(f"== {vendor}: skipped (no server: set BENCH_DATABASE_URL or run as root)")
                continue
            pages[vendor] = bench_pages(servers[vendor] % "bench_pages", vendor)
            for size in TICK_SIZES:
                print(f"== {vendor}: bench_tick --accounts {size}", flush=True)
                ticks[(vendor, size)] = bench_tick(servers[vendor] % f"bench_tick_{size}", size)
    print(f"\n{CONNECTIONS} connections, {SECONDS} s per page, gunicorn 2 sync workers, DEBUG off\n")
    print("| Database | Page | req/s | p50 (ms) | p99 (ms) | req/s × baseline | p99 × baseline |")
    print("|---|---|---:|---:|---:|---:|---:|")
    missed = []
    for vendor, results in pages.items():
        baseline = results[0][1]
        for name, figures in results:
            throughput, p99 = figures["rps"] / baseline["rps"], figures["p99"] / baseline["p99"]
            print(
                f"| {vendor} | {name} | {figures['rps']:,.0f} | {figures['p50']:.1f} "
                f"| {figures['p99']:.1f} | {throughput:.2f} | {p99:.2f} |"
            )
            if throughput < MIN_THROUGHPUT_RATIO or p99 > MAX_P99_RATIO:
                missed.append(f"{vendor} {name}")
    print("\nTargets missed: " + (", ".join(missed) if missed else "none"))
    print("\n| Database | Billing clock (bench_tick) | Result |\n|---|---|---|")
    for (vendor, size), line in ticks.items():
        print(f"| {vendor} | {size:,} accounts, 5 % due | {line} |")


if __name__ == "__main__":
    main()
