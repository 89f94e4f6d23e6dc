"""R8.8, R12.1: Stripe's records read as the provider's ledger on Stripe itself, where localstripe falls short
— lists filtered by `created`, and the Search API the 24-hour guard and the tick's reconciliation use.
Stripe's responses (tests/stripe_responses/) are replayed through the stripe library's own HTTPClient
interface: the library builds every request and reads every answer as it would from api.stripe.com."""

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

import stripe

from billing.sandbox import INSUFFICIENT_FUNDS, Answer, Request
from billing.stripe_ledger import follow_up_key
from billing.stripe_provider import StripeProvider
from tests import stripe_server

RESPONSES = Path(__file__).resolve().parent.parent / "stripe_responses"
SINCE = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 1795788000


class ReplayHTTPClient(stripe.HTTPClient):
    """Answers each request the library sends with the response recorded for it (method, path and query);
    a request nobody recorded fails the test."""

    name = "replay"

    def __init__(self, recorded: dict[str, str]):
        super().__init__()
        self.recorded, self.sent = recorded, []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        asked = f"{method.upper()} {parts.path}?{unquote_plus(parts.query)}"
        self.sent.append(asked)
        assert asked in self.recorded, f"no recorded response for {asked}"
        return (RESPONSES / self.recorded[asked]).read_text(), 200, {"Request-Id": "req_replayed"}

    def close(self):
        pass


def stripe_itself(recorded: dict[str, str]) -> tuple[StripeProvider, ReplayHTTPClient]:
    replay = ReplayHTTPClient(recorded)
    return StripeProvider(
        api_key="sk_test_recorded", api_base="https://api.stripe.com", http_client=replay
    ), replay


def test_r8_8_r12_1_movements_since_use_stripes_created_filter_every_page():
    provider, replay = stripe_itself(
        {
            "GET /v1/payment_intents?created[gte]=1795788000&limit=100": "payment_intents_page_1.json",
            "GET /v1/payment_intents?created[gte]=1795788000&limit=100&starting_after=pi_3QdDashboard01": (
                "payment_intents_page_2.json"
            ),
            "GET /v1/refunds?created[gte]=1795788000&limit=100": "refunds.json",
        }
    )
    movements = provider.movements(since=SINCE)
    assert len(replay.sent) == 3  # both pages of PaymentIntents, then the refunds
    rows = [(m["key"], m["operation"], m["amount"], m["currency"], m["outcome"]) for m in movements]
    assert rows == [
        ("renewal-9-2026-11-28-1", "charge", 2500, "EUR", INSUFFICIENT_FUNDS),
        ("card-check-form-7-3f2a-authorize", "authorize", 100, "USD", "succeeded"),
        ("card-check-form-7-3f2a-void", "void", 100, "USD", "succeeded"),
        ("renewal-12-2026-11-30-1", "charge", 11007, "USD", "succeeded"),
        ("refund-AV-2026-00003", "refund", 4200, "USD", "succeeded"),
    ]  # oldest first; the PaymentIntent made in the dashboard carries no key of ours: not ours to compare
    charge = movements[3]
    assert (charge["reference"], charge["token"], charge["provider_reference"]) == (
        "INV-2026-00041",
        "pm_1QdAcmeVisa4242",
        "pi_3QdRenewal0001",
    )
    assert charge["created_at"] == "2026-11-30T09:00:00.000000+00:00"  # as the sandbox's ledger writes it
    assert movements[2]["created_at"] == "2026-11-29T10:00:05.000000+00:00"  # the void: when cancelled


def test_r8_8_movements_of_documents_search_stripe_by_our_reference():
    query = "metadata['reference']:'AV-2026-00003' OR metadata['reference']:'INV-2026-00041'"
    provider, replay = stripe_itself(
        {
            f"GET /v1/payment_intents/search?query={query}&limit=100": "payment_intents_search.json",
            "GET /v1/refunds?limit=100": "refunds.json",  # Stripe's search does not cover refunds
        }
    )
    movements = provider.movements(references=["INV-2026-00041", "AV-2026-00003"])
    assert [(m["reference"], m["operation"]) for m in movements] == [
        ("INV-2026-00041", "charge"),
        ("AV-2026-00003", "refund"),
    ]


def test_r8_8_the_24_hour_guard_searches_stripe_for_our_key():
    made = Request("charge", "renewal-12-2026-11-30-1", 11007, "USD", "pm_1QdAcmeVisa4242", "INV-2026-00041")
    never = Request("charge", "renewal-13-2026-11-30-1", 900, "USD", "pm_1QdAcmeVisa4242", "INV-2026-00042")
    provider, replay = stripe_itself(
        {
            "GET /v1/payment_intents/search?query=metadata['key']:'renewal-12-2026-11-30-1' OR "
            "metadata['key']:'renewal-13-2026-11-30-1'&limit=100": "payment_intents_search.json"
        }
    )
    found = provider.made([made, never])
    # Made: its answer, recorded as the provider's; never made: left out, to be sent anew.
    assert found == {made.key: Answer(True, reference="pi_3QdRenewal0001")}
    assert len(replay.sent) == 1


def test_r8_8_stripe_unable_to_say_what_it_made_sends_nothing_again():
    """A failed lookup is no proof that nothing was made: the intents wait (None), never sent blindly."""
    closed = f"http://127.0.0.1:{stripe_server.free_port()}"
    provider = StripeProvider(api_key=stripe_server.API_KEY, api_base=closed)
    request = Request("charge", "renewal-14-2026-11-30-1", 900, "USD", "pm_x", "INV-2026-00043")
    assert provider.made([request]) == {request.key: None}


def test_r8_8_a_card_checks_void_is_found_under_the_key_it_was_sent_with():
    assert follow_up_key("card-check-form-7-3f2a-authorize", "void") == "card-check-form-7-3f2a-void"


def test_the_recorded_responses_are_json_stripe_objects():
    for path in RESPONSES.glob("*.json"):
        body = json.loads(path.read_text())
        assert body["object"] in ("list", "search_result") and all("id" in o for o in body["data"])
