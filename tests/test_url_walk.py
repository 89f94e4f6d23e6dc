"""Every URL pattern, walked as anonymous, agent, admin, billing admin and the owner of another account.

The server enforces every permission (R2.5): a visitor is sent to sign in, refused with the 403 page that
says why, or told the object does not exist (404) — never shown another account's data, never a 500. What a
member may open is read from the guard each view carries (accounts.decorators), so the walk also proves that
every billing view has one: a view added without a guard fails here.
"""

import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from accounts.models import User
from billing.documents import invoice_document
from billing.models import DataExport, Invoice
from tests.helpers import NOW, demo_member

pytestmark = pytest.mark.usefixtures("demo")

PERSONAS = ["anonymous", "agent@acme.test", "admin@acme.test", "billing@acme.test", "owner@legacy-suite.test"]
OTHER_ACCOUNT_OWNER = "owner@legacy-suite.test"
# What only Acme's pages show: its name, its owner, the number of the invoice below.
ACME_MARKERS = ["Acme Self-Service", "owner@acme.test"]
# Buttons with no field: the empty POST *is* the action (tested in test_exports / test_payments). The walk
# sends it only as the visitors it must refuse.
ONE_BUTTON_ACTIONS = {"billing:data_export_create", "billing:contact_request"}
# URLs that name one of Acme's objects: for anybody else's account they do not exist.
ACME_OBJECT_URLS = {
    "billing:invoice_pdf",
    "billing:invoice_xml",
    "billing:data_export_download",
    "billing:payment_confirmation",
    "billing:payment_confirmation_secret",
}
# Stripe posts its webhooks without a session or a CSRF token: the signature proves the sender (R12.1), and
# a request without a valid one is refused (400) and changes nothing (tests/billing/test_stripe_webhooks.py).
SIGNED_BY_THE_SENDER = {"billing:stripe_webhook"}

# Views without a guard, on purpose: signing in and out, choosing a language, the redirects after sign-in,
# and the sign-in refusal's reactivation request (R8.10), guarded by the password given just before it.
UNGUARDED = {
    "billing:reactivation_request",
    "root",
    "accounts:login",
    "accounts:logout",
    "accounts:landing",
    "set_language",
    "admin:login",
    "admin:logout",
    *SIGNED_BY_THE_SENDER,
}


def named_patterns(patterns=None, namespace=""):
    """(view name, parameter names) of every named URL, the Django admin's included."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", list(entry.pattern.regex.groupindex)


@pytest.fixture
def acme_objects():
    acme = demo_member("owner@acme.test").account
    invoice = Invoice.objects.filter(account=acme).exclude(number="").first()
    # R8.9: an issued invoice's PDF is built once, after its commit; the demo's history defers it to the first
    # download, which stores it. Built here, as every invoice's is in use: the walk then sees no data change.
    for finalized in Invoice.objects.exclude(status="draft").filter(pk__in=[invoice.pk, acme.pk]):
        invoice_document(finalized)  # the staff console's URL is walked with object_id=acme.pk
    export = DataExport.objects.create(account=acme, status=DataExport.Status.READY, created_at=NOW)
    ACME_MARKERS.append(invoice.number)
    yield {
        "invoice_id": invoice.pk,
        "export_id": export.pk,
        "object_id": acme.pk,
        "id": demo_member("owner@acme.test").user_id,
        "app_label": "billing",
        "content_type_id": 1,
        "url": "anything/",
        "chart": "revenue",  # the insights page's CSV downloads (R11.1)
    }
    ACME_MARKERS.remove(invoice.number)


def urls(values):
    walked = []
    for name, params in named_patterns():
        try:
            walked.append((name, reverse(name, kwargs={param: values[param] for param in params})))
        except Exception as error:  # a pattern whose parameters we cannot fill must be added above
            raise AssertionError(f"cannot build {name} with {params}") from error
    return walked


def fingerprint() -> list[dict]:
    """Every row of the product's data; signing the personas in only touches their last_login."""
    out = io.StringIO()
    call_command("dumpdata", "accounts", "billing", stdout=out)
    rows = json.loads(out.getvalue())
    for row in rows:
        row["fields"].pop("last_login", None)
    return rows


def client_as(persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(User.objects.get(email=persona))
    return client


def guard_allows(name: str, url: str, persona: str) -> bool:
    view = resolve(url).func
    if persona == "anonymous" or not hasattr(view, "guard"):
        return False
    try:
        view.guard(demo_member(persona))
    except PermissionDenied:
        return False
    return True


def check(response, name, url, persona, method):
    where = f"{method} {url} ({name}) as {persona}"
    status = response.status_code
    assert status < 500, where
    content = response.content.decode(errors="replace") if status == 200 else ""
    if persona == OTHER_ACCOUNT_OWNER:
        for marker in ACME_MARKERS:
            assert marker not in content, f"{where} shows {marker}"
    if method == "GET" and status == 405:
        return  # a POST-only action: GET is refused before anything else
    is_staff_site = url.startswith("/staff/")
    if name in UNGUARDED:
        return
    if persona == "anonymous":
        assert status == 302, where
        sign_in = "/staff/login/" if is_staff_site else "/login/"
        assert response["Location"].startswith(sign_in), where
    elif is_staff_site:
        # Members are not staff: the support console sends them to its own sign-in page.
        assert status == 302 and response["Location"].startswith("/staff/login/"), where
    elif not guard_allows(name, url, persona):
        assert status == 403, where
    elif persona == OTHER_ACCOUNT_OWNER and name in ACME_OBJECT_URLS:
        # Another account's object is a 404; a read-only URL refuses a POST (405) before any lookup, the
        # same for every object, so that tells nothing either.
        assert status == 404 or (method == "POST" and status == 405), where


def test_r2_5_every_url_refuses_what_the_visitor_may_not_see(acme_objects):
    before = fingerprint()
    walked = urls(acme_objects)
    assert len(walked) > 40  # the billing pages and the whole support console
    for name, url in walked:
        view = resolve(url).func
        assert name in UNGUARDED or url.startswith("/staff/") or hasattr(view, "guard"), (
            f"{name} has no guard"
        )
        for persona in PERSONAS:
            for method in ("GET", "POST"):
                if method == "POST" and name in ONE_BUTTON_ACTIONS and guard_allows(name, url, persona):
                    continue
                client = client_as(persona)
                response = client.get(url) if method == "GET" else client.post(url, {})
                check(response, name, url, persona, method)
    after = fingerprint()
    changed = [(b, a) for b, a in zip(before, after, strict=False) if a != b]
    assert after == before, f"an empty or refused request changed data: {changed}"


def test_r2_5_another_accounts_invoice_and_export_are_404_for_an_owner(acme_objects, client_for):
    other_owner = client_for(demo_member(OTHER_ACCOUNT_OWNER))
    for name in ("billing:invoice_pdf", "billing:data_export_download"):
        param = "invoice_id" if name == "billing:invoice_pdf" else "export_id"
        response = other_owner.get(reverse(name, kwargs={param: acme_objects[param]}))
        assert response.status_code == 404, name


def test_r2_5_acmes_own_owner_opens_them(acme_objects, client_for):
    """The 404s above are about the account, not about a broken URL."""
    owner = client_for(demo_member("owner@acme.test"))
    response = owner.get(reverse("billing:invoice_pdf", kwargs={"invoice_id": acme_objects["invoice_id"]}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_posts_without_a_csrf_token_are_refused_everywhere(acme_objects):
    """Every POST needs the form's CSRF token: a forged cross-site form changes nothing (403)."""
    before = fingerprint()
    for name, url in urls(acme_objects):
        for persona in ("anonymous", "owner@acme.test"):
            client = Client(enforce_csrf_checks=True)
            if persona != "anonymous":
                client.force_login(User.objects.get(email=persona))
            response = client.post(url, {"anything": "1"})
            refused = (400,) if name in SIGNED_BY_THE_SENDER else (403, 405)
            assert response.status_code in refused, f"POST {url} ({name}) as {persona}"
    assert fingerprint() == before
