"""Stripe's API served locally by localstripe (PyPI), for the Stripe provider's tests (R12.1): a child
process on a free port, started once per test session, and the test cards turned into PaymentMethods the
way Stripe.js would on the owner's page."""

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import stripe

API_KEY = "sk_test_localstripe"
PUBLISHABLE_KEY = "pk_test_localstripe"  # what Stripe.js sends: localstripe takes any pk_ key
# localstripe pickles its whole store to the fixed path /tmp/localstripe.pickle after every write: slower
# with each object, and shared by every session on the machine. The tests start from scratch and never
# read it back, so the child keeps its store in memory only.
SERVE = (
    "import localstripe.resources as resources; resources.Store.dump_to_disk = lambda self: None; "
    "from localstripe.server import start; start()"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(log: Path) -> tuple[subprocess.Popen, str]:
    """localstripe on a free port, once it answers; its output goes to `log`."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "--port", str(port), "--from-scratch"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(url, process, log)
    except BaseException:
        stop(process)
        raise
    return process, url


def _wait_until_answering(url: str, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe stopped at start:\n{log.read_text()}")
        try:
            urllib.request.urlopen(f"{url}/v1/customers", timeout=1).close()
            return
        except urllib.error.HTTPError:  # it answers (401: no key), so it is up
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"localstripe did not answer within {seconds} s:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def client(url: str, http_client: stripe.HTTPClient | None = None) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": url}, http_client=http_client)


def card_token(stripe_client: stripe.StripeClient, number: str) -> str:
    """A test card as Stripe.js leaves it: a PaymentMethod attached to a customer; its id is our token."""
    customer = stripe_client.v1.customers.create({"email": "owner@example.test"})
    card = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    method = stripe_client.v1.payment_methods.create({"type": "card", "card": card})
    stripe_client.v1.payment_methods.attach(method.id, {"customer": customer.id})
    return method.id


def flush(url: str) -> None:
    """Empty localstripe's store (its `DELETE /_config/data`): a Stripe account with no history."""
    request = urllib.request.Request(f"{url}/_config/data", method="DELETE")
    urllib.request.urlopen(request, timeout=10).close()


def raw(url: str, path: str) -> dict:
    """An object as localstripe serves it: the JSON Stripe would put in an event's `data.object`."""
    request = urllib.request.Request(url + path, headers={"Authorization": f"Bearer {API_KEY}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def authenticate(url: str, intent_id: str, client_secret: str, *, success: bool = True) -> dict:
    """The owner confirms a payment with their bank, as Stripe.js's confirmCardPayment does on localstripe
    (its stand-in posts this; localstripe-v3.js)."""
    body = json.dumps({"key": "pk_test_localstripe", "client_secret": client_secret}).encode()
    where = f"{url}/v1/payment_intents/{intent_id}/_authenticate?success={'true' if success else 'false'}"
    with urllib.request.urlopen(
        urllib.request.Request(where, data=body, method="POST"), timeout=10
    ) as answer:
        return json.loads(answer.read())


def signed_event(
    event_type: str, data_object: dict, secret: str, *, at: int | None = None
) -> tuple[bytes, str]:
    """A Stripe Event wrapping a real object, as Stripe posts it: the JSON body and its `Stripe-Signature`
    header — `t=<timestamp>,v1=<HMAC-SHA256 of "t.body" with the endpoint's secret>` (Stripe's scheme, which
    stripe.WebhookSignature verifies). localstripe sends no payment_intent.* events, so tests build them."""
    at = int(time.time()) if at is None else at
    event = {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": at,
        "data": {"object": data_object},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    return sign(json.dumps(event).encode(), secret, at=at)


def sign(body: bytes, secret: str, *, at: int | None = None) -> tuple[bytes, str]:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={at},v1={mac}"
