"""R11.1: the insights page in the staff console — who may see it, its charts beside their tables, its
filters, its CSV downloads, and a constant number of queries."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import Permission

from accounts.models import Account, User
from billing.models import AccountSnapshot
from billing.services.snapshots import snapshots_write
from tests.billing.test_insights_figures import _cancellation
from tests.factories import UserFactory
from tests.helpers import text

PAGE = "/staff/billing/accountsnapshot/"
NOV = date(2026, 11, 1)
pytestmark = pytest.mark.django_db


def csv_of(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_r11_1_customers_and_staff_without_the_permission_get_no_access(demo, sign_in, client_for):
    owner = sign_in("owner@acme.test")
    for url in (PAGE, PAGE + "csv/revenue/"):
        response = owner.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    staff = UserFactory(is_staff=True)
    assert client_for(staff).get(PAGE).status_code == 403
    assert client_for(staff).get(PAGE + "csv/revenue/").status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_insights_accountsnapshot"))
    assert client_for(staff).get(PAGE).status_code == 200


def test_r11_1_the_support_group_sees_the_page_from_the_console_index(demo, sign_in):
    support = sign_in("support@staff.test")
    assert f'href="{PAGE}"' in support.get("/staff/").content.decode()
    page = support.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="pygal-chart"') == 5 and html.count('class="insights-table"') == 5
    assert "<script" not in html.split('id="content-main"')[1] and ' style="' not in html
    assert "<style" not in html


def test_r11_1_the_tables_and_csv_hold_the_snapshot_figures(demo, sign_in):
    snapshots_write(month=NOV)
    support = sign_in("support@staff.test")
    euros = AccountSnapshot.objects.filter(month=NOV, currency="EUR")
    total = sum(euros.values_list("mrr", flat=True))
    assert total > 0
    rows = csv_of(support.get(PAGE + "csv/revenue/?months=3&currency=EUR"))
    assert rows[0] == ["Month", "EUR", "EUR change"]
    assert rows[-1][0] == "2026-11" and rows[-1][1] == f"{total / 100:.2f}"
    assert [row[0] for row in rows[1:]] == ["2026-09", "2026-10", "2026-11"]
    page = text(support.get(PAGE + "?months=3&currency=EUR"))
    assert f"€{total / 100:,.2f}" in page
    statuses = csv_of(support.get(PAGE + "csv/statuses/?months=3"))
    assert statuses[0] == [
        "Month",
        "Active",
        "Cancelling (scheduled)",
        "In dunning",
        "Suspended for non-payment",
        "Cancelled",
    ]
    active = AccountSnapshot.objects.filter(month=NOV, status="active").count()
    assert statuses[-1][1] == str(active)


def test_r11_1_reason_counts_link_to_the_cancellations_and_their_explanations(demo, sign_in):
    account = Account.objects.get(name="Acme Self-Service")
    at = datetime(2026, 11, 20, tzinfo=UTC)
    _cancellation(account, scope="account", reason="switching", at=at, explanation="We moved to a rival.")
    # The same reason, withdrawn by staff (its change reinstated): not counted, so not listed either.
    _cancellation(
        account,
        scope="account",
        reason="switching",
        at=at,
        explanation="We changed our minds.",
        reinstated=True,
    )
    support = sign_in("support@staff.test")
    html = support.get(PAGE + "?months=3&kind=self_service").content.decode()
    found = re.search(r'<a href="([^"]*reason__exact=switching[^"]*)"[^>]*>(\d+)</a>', html)
    link, count = found.group(1).replace("&amp;", "&"), int(found.group(2))
    assert "scope__exact=account" in link and "created_at__month=11" in link
    listed = text(support.get(link))
    assert "We moved to a rival." in listed and "We changed our minds." not in listed
    assert count == 1  # the count and its list agree


def test_r11_1_bad_filters_are_refused_with_a_message(demo, sign_in):
    support = sign_in("support@staff.test")
    response = support.get(PAGE + "?months=5&currency=XXX")
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    assert support.get(PAGE + "csv/revenue/?months=5").status_code == 400
    assert support.get(PAGE + "csv/nothing/").status_code == 404


def test_r11_1_the_page_in_french(demo, sign_in):
    User.objects.filter(email="support@staff.test").update(language="fr")
    support = sign_in("support@staff.test")
    page = text(support.get(PAGE))
    assert "Revenu récurrent mensuel" in page and "Comptes par statut" in page


@pytest.mark.parametrize("accounts", [0, 60])
def test_r11_1_the_page_runs_a_constant_number_of_queries(
    demo, sign_in, django_assert_max_num_queries, accounts
):
    for n in range(accounts):
        Account.objects.create(
            name=f"Bulk {n}", kind="managed", created_on=NOV, currency=["USD", "EUR"][n % 2]
        )
    snapshots_write(month=NOV)
    support = sign_in("support@staff.test")
    with django_assert_max_num_queries(12):
        assert support.get(PAGE + "?months=24").status_code == 200
