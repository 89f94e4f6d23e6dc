"""Valid HTML — issue 19: every page the product renders passes html-validate (tests/html_validator.py; the
rules, html-validate's "recommended" and "document" presets, in .htmlvalidate.json). The Admin Center's pages
for every demo member (owners, billing admins, admins, agents of every account; Acme's four roles in French
too), with the states a step reaches and the errors of every form posted empty; the htmx fragments; the
sign-in, lock-out, 403 and 404 pages; the staff console for support@staff.test: its index, every changelist,
change and add form, and our own staff pages. All rendered first, then validated by one Node process.

Two rules are set in .htmlvalidate.json (JSON has no comments): "no-trailing-whitespace" is off, as a
template's `{% ... %}` lines leave blank space in what is rendered (a matter of source layout, not of
validity); "require-sri" asks for an integrity hash on cross-origin resources only: every script and style
sheet is served from our own origin."""

from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from accounts.models import Account, Membership, User
from billing import urls as billing_urls
from billing.models import AccountSnapshot, Invoice, SubscriptionChangeRequest
from billing.services.snapshots import snapshots_write
from tests.helpers import CANCELLATIONS, demo_member, item, preview, select
from tests.html_validator import Batch

pytestmark = pytest.mark.usefixtures("demo")

LANGUAGES = ["en", "fr"]
# Buttons with no field: the empty POST *is* the action (an export, a contact request): not sent here.
ONE_BUTTON_ACTIONS = {"data_export_create", "contact_request"}
STAFF = "support@staff.test"


def billing_pages() -> list[tuple[str, str]]:
    """(name, URL) of every Admin Center URL without a parameter."""
    return [
        (pattern.name, reverse(f"billing:{pattern.name}"))
        for pattern in billing_urls.urlpatterns
        if not pattern.pattern.regex.groupindex
    ]


def client_as(user: User | None, language: str) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = language
    return client


def admin_center(batch: Batch) -> None:
    """Every page as every member sees it (a 403 where the role may not): in English for every account, in
    French too for Acme's owner, billing admin, admin and agent (one of each role: the markup is the same)."""
    members = Membership.objects.select_related("account", "user").order_by("account__name", "user__email")
    for membership in members:
        email = membership.user.email
        for language in LANGUAGES if membership.account.name == "Acme Self-Service" else ["en"]:
            client = client_as(membership.user, language)
            urls = [url for _name, url in billing_pages()]
            urls.append(reverse("billing:invoice_pdf", kwargs={"invoice_id": 999999}))  # the 404 page
            for url in urls:
                batch.add("admin-center", f"GET {url} as {email} ({language})", client.get(url))


def steps_and_form_errors(batch: Batch, language: str) -> None:
    """What the Acme owner reaches by a step, then every form of the Admin Center posted empty (each one
    refused with its errors; nothing changes, tests/test_url_walk.py)."""
    owner = demo_member("owner@acme.test")
    client = client_as(owner.user, language)
    who = f"as {owner.user.email} ({language})"
    support = item("Acme Self-Service", "support")
    batch.add(
        "admin-center",
        f"POST manage preview {who}",
        preview(client, kind="add_seats", item=support.pk, seats=1),
    )
    batch.add(
        "admin-center", f"POST a bad manage preview {who}", preview(client, kind="add_seats", item=support.pk)
    )
    select(client, item("Acme Self-Service", "talk"))
    batch.add("admin-center", f"GET {CANCELLATIONS} with one selected {who}", client.get(CANCELLATIONS))
    review = CANCELLATIONS + "review/"
    batch.add("admin-center", f"GET {review} {who}", client.get(review))
    for name, url in billing_pages():
        if name not in ONE_BUTTON_ACTIONS:
            batch.add("admin-center", f"POST {{}} to {url} {who}", client.post(url, {}))


def fragments(batch: Batch, language: str) -> None:
    """What htmx swaps into a page: each partial, as it answers a good request and a refused one."""
    htmx = {"HTTP_HX_REQUEST": "true"}
    owner = client_as(demo_member("owner@acme.test").user, language)
    support, chat = item("Acme Self-Service", "support"), item("Acme Self-Service", "chat")
    assisted = client_as(demo_member("admin@assisted.test").user, language)
    requests = reverse("billing:change_request_create")
    preview_url, seats = reverse("billing:manage_preview"), {"kind": "add_seats", "item": support.pk}
    for where, response in [
        ("manage preview", owner.post(preview_url, {**seats, "seats": 1}, **htmx)),
        ("a bad manage preview", owner.post(preview_url, seats, **htmx)),
        ("a product selected", select(owner, chat, **htmx)),
        ("an unknown product selected", owner.post(CANCELLATIONS + "select/", {"item": 0}, **htmx)),
        ("the exports polled", owner.get(reverse("billing:data_export"), **htmx)),
        ("a change request", assisted.post(requests, {"what": "Seats"}, **htmx)),
        ("an empty change request", assisted.post(requests, {"what": ""}, **htmx)),
    ]:
        assert not response.content.lstrip().startswith(b"<!DOCTYPE"), where
        batch.add("fragments", f"htmx: {where} ({language})", response)


def signed_out(batch: Batch, language: str, settings) -> None:
    client = client_as(None, language)
    batch.add("signed-out", f"GET /login/ ({language})", client.get("/login/"))
    batch.add("staff", f"GET /staff/login/ ({language})", client.get("/staff/login/"))  # the admin's page
    wrong = {"username": "owner@acme.test", "password": "wrong"}
    batch.add("signed-out", f"POST /login/ a wrong password ({language})", client.post("/login/", wrong))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = client.post("/login/", wrong)
    assert locked.status_code == 429
    batch.add("signed-out", f"POST /login/ locked out ({language})", locked)


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def staff_console(batch: Batch) -> None:
    """The index, every app, every changelist, the first object's change form and the add form of every
    model, as support staff see them (a 403 where the Support group may not)."""
    client = client_as(User.objects.get(email=STAFF), "en")
    urls = ["/staff/", *(f"/staff/{app}/" for app in ("accounts", "billing", "auth"))]
    for model in admin.site._registry:
        urls += [admin_url(model, "changelist"), admin_url(model, "add")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls += [admin_url(model, "change", first.pk), admin_url(model, "history", first.pk)]
    urls.append(admin_url(Account, "changelist") + "?q=acme")
    for url in urls:
        batch.add("staff", f"GET {url} as {STAFF}", client.get(url))


def ours(batch: Batch, where: str, response, status: int = 200) -> None:
    """One of our own staff pages: it must be rendered, not a redirect, to be validated."""
    assert response.status_code == status, where
    batch.add("staff", f"{where} as {STAFF}", response)


def staff_pages(batch: Batch) -> None:
    """Our own staff pages: recording a transfer (empty, then refused), the invoice's change form, a change
    request's (as it comes, declined without a note, previewed), and the staff actions on an account, each at
    its first step and its preview."""
    client = client_as(User.objects.get(email=STAFF), "en")
    invoice = Invoice.objects.filter(status=Invoice.Status.OPEN).order_by("pk").first()
    transfer = admin_url(Invoice, "record_transfer", invoice.pk)
    ours(batch, f"GET {transfer}", client.get(transfer))
    ours(batch, f"POST {{}} to {transfer}", client.post(transfer, {}), status=422)
    ours(batch, "GET an open invoice's change form", client.get(admin_url(Invoice, "change", invoice.pk)))
    assisted = demo_member("admin@assisted.test")
    client_as(assisted.user, "en").post(reverse("billing:change_request_create"), {"what": "Seats"})
    request = SubscriptionChangeRequest.objects.order_by("-pk").first()
    url = admin_url(SubscriptionChangeRequest, "change", request.pk)
    ours(batch, f"GET {url}", client.get(url))
    ours(batch, f"POST a decline without a note to {url}", client.post(url, {"decision": "decline"}))
    seats = {"decision": "approve", "apply_kind": "add_seats", "apply_seats": 1}
    seats["apply_item"] = item("Online Assisted Ltd", "support").pk
    previewed = client.post(url, seats)
    assert 'data-testid="preview"' in previewed.content.decode()
    ours(batch, f"POST an approval to preview to {url}", previewed)
    accounts = admin_url(Account, "changelist")
    managed = Account.objects.get(name="Managed Enterprise Inc")
    received = (managed.subscription.current_period_end - timedelta(days=40)).date().isoformat()
    notice = {"reason": "too_expensive", "notice_received": received, "preview": "1"}
    for action, name, data in [
        ("cancel_with_notice", "Managed Enterprise Inc", {}),
        ("cancel_with_notice", "Managed Enterprise Inc", notice),
        ("terminate_early", "Online Assisted Ltd", {}),
        ("transfer_ownership", "Acme Self-Service", {}),
    ]:
        posted = {"action": action, "_selected_action": [Account.objects.get(name=name).pk], **data}
        ours(batch, f"POST {action} {sorted(data)} on {name}", client.post(accounts, posted))
    snapshots_write(month=date(2026, 11, 1))  # R11.1: the insights page with its charts drawn
    insights = admin_url(AccountSnapshot, "changelist")
    ours(batch, f"GET {insights}", client.get(insights + "?months=24"))
    ours(batch, f"GET {insights} with a bad filter", client.get(insights + "?months=5"), status=400)


# Valid HTML — issue 19
def test_issue_19_every_page_is_valid_html(tmp_path, settings):
    batch = Batch(tmp_path / "pages")
    admin_center(batch)
    for language in LANGUAGES:
        steps_and_form_errors(batch, language)
        fragments(batch, language)
        signed_out(batch, language, settings)
    staff_console(batch)
    staff_pages(batch)
    assert len(batch.pages) > 400  # every member's pages, Acme's in two languages, the whole staff console
    errors = batch.errors()
    assert errors == [], f"{len(errors)} HTML errors in {len(batch.pages)} pages:\n" + "\n".join(errors[:80])
