"""Every form, submitted with hostile input: the server answers a 4xx or a clean form error, changes nothing,
and never echoes markup unescaped.

The forms are read from the rendered pages, as a browser would submit them (tests/html_forms.py). Each field
in turn gets each hostile value while the rest of the form stays valid, inside a savepoint that is rolled back
afterwards, so every submission starts from the same demo state.
"""

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client

from accounts.models import User
from billing.models import BillingContact, BillingEvent, SubscriptionItem
from tests.html_forms import Form, forms_of

pytestmark = pytest.mark.usefixtures("demo")

SCRIPT = "<script>alert('pwned')</script>"
HOSTILE = [
    "99999999999999999999999999999",
    "-1",
    "0",
    "1e309",
    "NaN",
    SCRIPT,
    "\u202e𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0001f4a5 ÉÀ",
    "bad\x00byte",
    "' OR 1=1 --",
    "A" * 5000,
    ["1", "2"],  # a field sent twice
]
# Free text may hold any single text value without a NUL byte: it is stored as typed (escaped on output).
FREE_TEXT = {"text", "textarea", "email"}

BILLING = "/admin/account/billing"
OWNER_PAGES = [
    "/admin/",
    f"{BILLING}/subscription/manage/",
    f"{BILLING}/cancellations/",
    f"{BILLING}/cancellations/account/",
    f"{BILLING}/cancellations/account/survey/",
    f"{BILLING}/invoices/",
    f"{BILLING}/payment/",
    f"{BILLING}/contacts/",
    f"{BILLING}/history/",
]


class Rollback(Exception):
    pass


def client_as(email: str | None) -> Client:
    client = Client()
    if email:
        client.force_login(User.objects.get(email=email))
    return client


def page_forms(client: Client, url: str) -> list[Form]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [form for form in forms_of(response.content.decode(), url) if form.method == "post"]


def forms_to_fuzz() -> list[tuple[str | None, Form]]:
    """(who submits, form) for every form of the product, reached with the state each one needs."""
    found = []

    def collect(who, *urls):
        client = client_as(who)
        found.extend((who, form) for url in urls for form in page_forms(client, url))

    def preview(owner, **change):
        response = owner.post(f"{BILLING}/subscription/manage/preview/", change)
        return forms_of(response.content.decode(), f"{BILLING}/subscription/manage/")

    owner = client_as("owner@acme.test")
    # Ids from the database: sequences are not reset between tests (PostgreSQL).
    items = {
        i.product.code: i.pk
        for i in SubscriptionItem.objects.filter(subscription__account__name="Acme Self-Service")
    }
    collect("owner@acme.test", *OWNER_PAGES)
    # A preview's confirmation form (a signed quote); a selection's review and its confirmation form.
    found.extend(
        ("owner@acme.test", form) for form in preview(owner, kind="add_seats", item=items["support"], seats=2)
    )
    owner.post(f"{BILLING}/cancellations/select/", {"item": items["talk"]})
    collect("owner@acme.test", f"{BILLING}/cancellations/", f"{BILLING}/cancellations/review/")
    # A scheduled change has an Undo form; a member's request has the owner's decision forms.
    confirm = next(
        f for f in preview(owner, kind="change_cycle", cycle="annual") if f.action.endswith("confirm/")
    )
    owner.post(confirm.action, confirm.fields)
    client_as("agent@acme.test").post(f"{BILLING}/contacts/request/")
    collect("owner@acme.test", f"{BILLING}/subscription/manage/", f"{BILLING}/contacts/")
    # Removing a billing contact is confirmed on a page of its own (R8.3).
    contact = BillingContact.objects.get(email="accounting@acme.test", removed_at=None)
    collect("owner@acme.test", f"{BILLING}/contacts/remove/confirm/?contact={contact.pk}")
    # Forms other accounts show: a change request (online-assisted), the SPP downgrade; the sign-in form.
    collect("admin@assisted.test", f"{BILLING}/subscription/")
    collect("owner@spp.test", f"{BILLING}/cancellations/")
    collect(None, "/login/")
    unique = {}
    for who, form in found:
        if form.action.endswith(("/logout/", "/setlang/")):
            continue  # signing out and choosing a language change no data
        key = (who, form.action, tuple(sorted(form.fields)), form.fields.get("kind"))
        unique.setdefault(key, (who, form))
    return list(unique.values())


def refused(status: int, content: str) -> bool:
    """A 4xx, or the page again with a form error or an error message."""
    markers = ('class="message message-error"', "error-summary", 'aria-invalid="true"')
    return status >= 400 or any(marker in content for marker in markers)


def data_snapshot():
    """Row counts of every product table, the newest billing event, and the accounts' own fields."""
    models = [model for app in ("accounts", "billing") for model in apps.get_app_config(app).get_models()]
    counts = tuple(model.objects.count() for model in models)
    newest = BillingEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    accounts = list(apps.get_model("accounts", "Account").objects.order_by("pk").values())
    return counts, newest, accounts


def submit(who, form: Form, field: str, value):
    """Submit the form with one field replaced, then roll everything back."""
    client = client_as(who)
    before = data_snapshot()
    try:
        with transaction.atomic():
            data = {**{k: v for k, v in form.fields.items() if k != "csrfmiddlewaretoken"}, field: value}
            response = client.post(form.action, data, follow=True)
            outcome = (response.status_code, response.content.decode(errors="replace"), data_snapshot())
            raise Rollback
    except Rollback:
        pass
    return before, outcome


def test_every_form_refuses_hostile_input_cleanly():
    forms = forms_to_fuzz()
    actions = {form.action.removeprefix(BILLING) for _, form in forms}
    # Every form of the product is reached (the staff console's are Django's own).
    assert {
        "/subscription/manage/preview/",
        "/subscription/manage/confirm/",
        "/subscription/manage/undo/",
        "/subscription/manage/billing-admins/",
        "/subscription/change-requests/",
        "/cancellations/select/",
        "/cancellations/unselect/",
        "/cancellations/confirm/",
        "/cancellations/downgrade/",
        "/cancellations/account/confirm/",
        "/invoices/billing-address/",
        "/invoices/requests/",
        "/payment/card/",
        "/contacts/add/",
        "/contacts/remove/",
        "/contacts/decide/",
        "/login/",
    } <= actions, actions
    submissions = refusals = 0
    for who, form in forms:
        for field, kind in form.kinds.items():
            if field == "csrfmiddlewaretoken" or kind in ("checkbox", "submit"):
                continue  # a ticked box is ticked whatever its value, as in HTML
            for value in HOSTILE:
                before, (status, content, after) = submit(who, form, field, value)
                submissions += 1
                where = f"{form.action} {field}={str(value)[:40]!r} as {who}"
                assert status < 500, where
                assert SCRIPT not in content, f"unescaped markup: {where}"
                refused = (
                    status >= 400
                    or 'class="message message-error"' in content
                    or "error-summary" in content
                    or 'aria-invalid="true"' in content
                )
                if refused:
                    refusals += 1
                    assert after == before, f"refused but changed data: {where}"
                else:
                    accepted_text = kind in FREE_TEXT and isinstance(value, str) and "\x00" not in value
                    assert accepted_text or after == before, f"accepted hostile input: {where} → {status}"
    print(f"{len(forms)} forms, {submissions} hostile submissions, {refusals} refused")
    assert submissions > 300 and refusals > submissions / 2
