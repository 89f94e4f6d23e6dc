"""Issue 16: the same form posted 10 times at the same moment, against a real server (gunicorn, 3 workers of
4 threads) on a database of its own — a SQLite file, as `make run` uses, or a PostgreSQL database on the
suite's server. Parallel writes wait for each other: no 5xx, and the change is recorded once."""

import http.cookiejar
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter

import pytest

from devtools.demo import PASSWORD
from tests.processes import ROOT, Server, child_env

BILLING = "/admin/account/billing/"
PARALLEL = 10


class Browser:
    """One signed-in session (cookies, CSRF token), shared by the parallel posts like tabs of one browser."""

    def __init__(self, base: str, email: str):
        self.base, self.jar = base, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.get("/login/")
        status, _body = self.post("/login/", {"username": email, "password": PASSWORD})
        assert status == 302, status

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(
            self.base + path,
            data=body,
            headers={"X-CSRFToken": self.csrf(), "Referer": self.base + path},
        )
        return self._open(request)

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer here, not a step


def at_once(post, times: int = PARALLEL) -> Counter:
    """`post()` from `times` threads released together; the statuses they got."""
    barrier, statuses = threading.Barrier(times), []

    def run():
        barrier.wait()
        statuses.append(post()[0])

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(statuses)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo on a database of its own, served by gunicorn as in production."""
    server = Server(tmp_path_factory.mktemp("parallel"))
    url = server.new(f"parallel_{uuid.uuid4().hex[:8]}")
    env = child_env(
        url,
        PAYMENT_SANDBOX_LEDGER=str(server.folder / "ledger.sqlite3"),
        ALLOWED_HOSTS="*",
        # Tasks wait for a worker, as in production (none runs here): an export stays in progress.
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        MEDIA_ROOT=str(server.folder / "media"),
    )
    try:
        for command in (["migrate", "--noinput"], ["seed_demo"]):
            done = subprocess.run(
                [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr[-3000:]
        port = free_port()
        log = (server.folder / "gunicorn.log").open("w")
        gunicorn = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                f"--bind=127.0.0.1:{port}",
                "--workers=3",
                "--threads=4",
                "--worker-class=gthread",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        yield base, lambda query: server.sql(url, query)
        gunicorn.terminate()
        gunicorn.wait(10)
    finally:
        server.drop_all()


def count(sql, query: str) -> int:
    return sql(query)[0][0]


def test_ten_identical_manage_confirmations_apply_one_change(site):
    base, sql = site
    owner = Browser(base, "owner@acme.test")
    (item,) = sql(
        "SELECT i.id FROM billing_subscriptionitem i JOIN billing_product p ON p.id = i.product_id "
        "JOIN billing_subscription s ON s.id = i.subscription_id "
        "JOIN accounts_account a ON a.id = s.account_id "
        "WHERE a.name = 'Acme Self-Service' AND p.code = 'support' AND i.ended_at IS NULL"
    )[0]
    status, page = owner.post(
        BILLING + "subscription/manage/preview/", {"kind": "add_seats", "item": item, "seats": 2}
    )
    assert status == 200, page[-500:]
    quote = re.search(r'name="quote" value="([^"]+)"', page).group(1)
    charges = count(sql, "SELECT count(*) FROM billing_charge")
    statuses = at_once(lambda: owner.post(BILLING + "subscription/manage/confirm/", {"quote": quote}))
    assert max(statuses) < 500 and statuses[302] >= 1, statuses
    assert count(sql, "SELECT count(*) FROM billing_charge") == charges + 1  # one change, charged once
    assert (
        count(sql, "SELECT count(*) FROM billing_paymentattempt WHERE idempotency_key LIKE 'change-%'") == 1
    )


def test_ten_identical_card_forms_check_the_card_once_and_record_one_event(site):
    base, sql = site
    owner = Browser(base, "owner@acme.test")
    form = {
        "number": "5555555555554444",
        "exp_month": 7,
        "exp_year": 2031,
        "cvc": "123",
        "attempt_key": uuid.uuid4(),
    }
    checks = "SELECT count(*) FROM billing_paymentattempt WHERE operation = 'authorize'"
    updates = "SELECT count(*) FROM billing_billingevent WHERE kind = 'payment_method_updated'"
    before = count(sql, checks), count(sql, updates)
    statuses = at_once(lambda: owner.post(BILLING + "payment/card/", form))
    assert max(statuses) < 500 and statuses[302] >= 1, statuses
    assert (count(sql, checks), count(sql, updates)) == (before[0] + 1, before[1] + 1)


def test_ten_identical_billing_addresses_save_without_an_error(site):
    base, sql = site
    owner = Browser(base, "owner@acme.test")
    form = {
        "billing_name": "Acme Europe BV",
        "billing_address": "Herengracht 1",
        "billing_country": "NL",
        "vat_number": "",
        "is_business": "True",
    }
    statuses = at_once(lambda: owner.post(BILLING + "invoices/billing-address/", form))
    assert statuses == Counter({302: PARALLEL})
    assert count(sql, "SELECT count(*) FROM accounts_account WHERE billing_name = 'Acme Europe BV'") == 1


def test_r7_6_ten_identical_export_requests_queue_one_export(site):
    base, sql = site
    owner = Browser(base, "owner@acme.test")
    exports = (
        "SELECT count(*) FROM billing_dataexport e JOIN accounts_account a ON a.id = e.account_id "
        "WHERE a.name = 'Acme Self-Service'"
    )
    before = count(sql, exports)
    statuses = at_once(lambda: owner.post(BILLING + "export/new/", {}))
    assert statuses == Counter({302: PARALLEL})  # no 5xx: the requests that lost the race got the winner's
    assert count(sql, exports) == before + 1
    assert count(sql, "SELECT count(*) FROM billing_billingevent WHERE kind = 'data_export_requested'") == 1


def test_r5_ten_identical_account_cancellations_schedule_one(site):
    """The same survey confirmed 10 times at once (a double-clicking owner, a retrying proxy): one
    cancellation scheduled, the others told it is done — never a 500."""
    from tests.html_forms import forms_of

    base, sql = site
    owner = Browser(base, "owner@spp.test")
    status, page = owner.get(BILLING + "cancellations/account/survey/")
    assert status == 200, page[-500:]
    (form,) = [f for f in forms_of(page, base) if f.action.endswith("cancellations/account/confirm/")]
    cancellations = "SELECT count(*) FROM billing_cancellation WHERE scope = 'account'"
    before = count(sql, cancellations)
    survey = {**form.fields, "reason": "switching"}  # one token: the same confirmation, ten times
    statuses = at_once(lambda: owner.post(BILLING + "cancellations/account/confirm/", survey))
    assert max(statuses) < 500 and statuses[302] >= 1, statuses
    assert count(sql, cancellations) == before + 1


def test_r5_9_ten_identical_keep_my_subscription_posts_withdraw_once(site):
    """The owner keeps the account they cancelled, 10 times at once (a double click, two tabs): one
    withdrawal recorded, the others told it is kept already — never a 500."""
    from tests.html_forms import forms_of

    base, sql = site
    owner = Browser(base, "owner@vintage.test")
    _status, page = owner.get(BILLING + "cancellations/account/survey/")
    (survey,) = [f for f in forms_of(page, base) if f.action.endswith("cancellations/account/confirm/")]
    confirmed = {**survey.fields, "reason": "switching", "exported": "on"}
    status, _page = owner.post(BILLING + "cancellations/account/confirm/", confirmed)
    assert status == 302, status
    _status, page = owner.get(BILLING + "subscription/")
    keep = next(f for f in forms_of(page, base) if f.action.endswith("subscription/keep/"))
    statuses = at_once(lambda: owner.post(BILLING + "subscription/keep/", keep.fields))
    assert statuses[302] == 1 and statuses[409] == PARALLEL - 1, statuses
    kept = "SELECT count(*) FROM billing_billingevent WHERE kind = 'scheduled_change_revoked'"
    assert count(sql, kept) == 1


def test_r8_9_ten_identical_transfer_recordings_pay_the_invoice_once(site):
    """Support staff record the same bank transfer 10 times at once (a double click, two colleagues): the
    invoice is paid once, the others are told it is recorded already — never a 500."""
    base, sql = site
    staff = Browser(base, "support@staff.test")
    ((invoice, total, issued),) = sql(
        "SELECT i.id, i.total, i.issued_at FROM billing_invoice i "
        "JOIN accounts_account a ON a.id = i.account_id "
        "WHERE a.name = 'Online Assisted Ltd' AND i.status = 'open'"
    )
    form = {"amount": f"{total / 100:.2f}", "received_on": str(issued)[:10], "reference": "BARC 7731"}
    statuses = at_once(lambda: staff.post(f"/staff/billing/invoice/{invoice}/record-transfer/", form))
    assert statuses == Counter({302: 1, 422: PARALLEL - 1}), statuses
    assert count(sql, f"SELECT count(*) FROM billing_receivedtransfer WHERE invoice_id = {invoice}") == 1
    assert count(sql, f"SELECT count(*) FROM billing_invoice WHERE id = {invoice} AND status = 'paid'") == 1
    paid = (
        "SELECT count(*) FROM billing_billingevent WHERE kind = 'invoice_paid' AND summary LIKE '%BARC 7731'"
    )
    assert count(sql, paid) == 1
