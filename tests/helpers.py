"""What many tests share: the demo's moment, the demo's members and items, the page text, and the steps of
the Manage and cancellation journeys. Fixtures are in conftest.py; no test module imports another."""

import io
import re
from contextlib import contextmanager
from datetime import UTC, datetime

import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from pypdf import PdfReader

from accounts.models import Account, Membership
from billing.models import BillingEvent, SubscriptionItem

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # when the demo is loaded
TODAY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # when the suite reads it: its clock starts here
DEMO = {"last_event": 0}  # the newest billing event of the demo, set once it is loaded (conftest.py)

SUBSCRIPTION = "/admin/account/billing/subscription/"
MANAGE = "/admin/account/billing/subscription/manage/"
CANCELLATIONS = "/admin/account/billing/cancellations/"


def new_events():
    """The billing events recorded since the demo was loaded (the demo's past invoices have theirs)."""
    return BillingEvent.objects.filter(pk__gt=DEMO["last_event"])


def demo_member(email: str) -> Membership:
    return Membership.objects.select_related("account", "user").get(user__email=email)


def text(response) -> str:
    """The page's visible text, whitespace (incl. Babel's no-break spaces) collapsed to single spaces."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html).replace("\u202f", " ").replace("\xa0", " "))


def item(account_name: str, code: str) -> SubscriptionItem:
    """A running item of a demo account, by product code."""
    return SubscriptionItem.objects.get(
        subscription__account__name=account_name, product__code=code, ended_at=None
    )


# --- The cancellation journey -------------------------------------------------------------------------


def select(client, *items, **headers):
    for each in items:
        response = client.post(CANCELLATIONS + "select/", {"item": each.pk}, **headers)
    return response


def token_of(client) -> str:
    return re.search(
        r'name="token" value="([0-9a-f-]+)"', client.get(CANCELLATIONS + "review/").content.decode()
    ).group(1)


def confirm(client, token=None, **data):
    data = {"reason": "too_expensive", "explanation": "", **data, "token": token or token_of(client)}
    return client.post(CANCELLATIONS + "confirm/", data)


# --- The Manage page ------------------------------------------------------------------------------------


def preview(client, **data):
    return client.post(MANAGE + "preview/", data)


def quote_of(response) -> str:
    return re.search(r'name="quote" value="([^"]+)"', response.content.decode()).group(1)


def change(client, at=NOW, **data):
    """Preview then confirm at the same moment; returns (preview response, confirm response)."""
    with time_machine.travel(at, tick=False):
        shown = preview(client, **data)
        assert shown.status_code == 200, text(shown)[-600:]
        return shown, client.post(MANAGE + "confirm/", {"quote": quote_of(shown)})


@contextmanager
def rolled_back_like_the_test():
    """A transaction to roll back that counts, like the test's own, as none for the payment provider's
    guard (billing.gateway.send): what it wraps may call the provider, as it would outside a test."""
    atomic = transaction.atomic()
    atomic._from_testcase = True
    with atomic:
        yield


def admin_change_data(response) -> dict:
    """What a Django admin change page posts when nothing is touched: its form and every inline formset."""

    def posted(form) -> dict:
        data = {}
        for name, field in form.fields.items():
            value, key = form[name].value(), form.add_prefix(name)
            if hasattr(field.widget, "widgets"):  # split date and time
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{key}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif value is not None:
                data[key] = str(value)
        return data

    data = posted(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        data |= posted(inline.formset.management_form)
        for form in inline.formset.forms:
            data |= posted(form)
    return data


def owners_let_go() -> None:
    """Before Django's flush, which empties the tables in no set order: SQLite's owner trigger (R1.5) cannot
    wait for the commit and refuses to delete an owner's membership before its account. Marked deleted
    first, as the data deletion does (R8.6), the accounts let their owners go."""
    if connection.vendor == "sqlite":
        Account.objects.exclude(status=Account.Status.DELETED).update(status=Account.Status.DELETED)


def pdf_text(content: bytes) -> str:
    """A PDF's text as pypdf extracts it, whitespace (incl. Babel's no-break spaces) collapsed to spaces."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages).replace("\u202f", " "))


def reconcile() -> tuple[int, str]:
    """`billing_reconcile` (R8.8): its exit status and what it printed."""
    out = io.StringIO()
    try:
        call_command("billing_reconcile", stdout=out, stderr=io.StringIO())
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()
