"""The staff console as support staff use it (R1.3): plain words without rule IDs, no preselected
cancellation reason and no notice from the future (R7.2), no inline styles (Content-Security-Policy), and the
real effective date when reinstating is refused (R4.11)."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse

from accounts.models import Account, User
from billing.models import ScheduledChange, SubscriptionChangeRequest
from billing.services.contracts import staff_cancellation_schedule
from billing.services.scheduled_changes import scheduled_change_apply
from tests.helpers import SUBSCRIPTION, TODAY, item, text

pytestmark = pytest.mark.usefixtures("demo")
RULE_ID = re.compile(r"\bR\d+(\.\d+)?\b")
ACCOUNTS = reverse("admin:accounts_account_changelist")


def managed():
    return Account.objects.get(name="Managed Enterprise Inc")


# --- Rule IDs stay in comments -----------------------------------------------------------------------------


def test_r1_3_no_translatable_string_carries_a_rule_id():
    catalog = read_po((Path(settings.BASE_DIR) / "locale/fr/LC_MESSAGES/django.po").open("rb"))
    leaks = [
        message.id
        for message in catalog
        for msgid in (message.id if isinstance(message.id, tuple) else (message.id,))
        if message.id and RULE_ID.search(msgid)
    ]
    assert leaks == []


def test_r1_3_r7_2_the_staff_account_actions_read_without_rule_ids(sign_in):
    page = text(sign_in("support@staff.test").get(ACCOUNTS))
    assert "Cancel with notice (sales-assisted accounts)" in page and "Terminate early with a refund" in page
    assert not RULE_ID.search(page)


# --- Cancel with notice (R7.2) -----------------------------------------------------------------------------


def cancel_with_notice(client, **data):
    action = {"action": "cancel_with_notice", "_selected_action": [managed().pk]}
    return client.post(ACCOUNTS, {**action, **data})


def test_r7_2_staff_must_choose_the_cancellation_reason(sign_in):
    staff = sign_in("support@staff.test")
    form = cancel_with_notice(staff).content.decode()
    assert re.search(r'<option value="" selected>—</option>', form)
    assert "selected" not in re.search(r'<option value="too_expensive"[^>]*>', form).group(0)
    response = cancel_with_notice(staff, notice_received="2026-11-02", preview="1")
    assert "This field is required." in text(response) and 'data-testid="decision"' not in text(response)
    assert not ScheduledChange.objects.filter(account=managed()).exists()


@pytest.mark.parametrize("button", ["preview", "apply"])
def test_r7_2_a_notice_received_after_the_accounts_today_is_refused_with_a_form_error(sign_in, button):
    staff = sign_in("support@staff.test")
    response = cancel_with_notice(staff, reason="switching", notice_received="2027-07-24", **{button: "1"})
    page = text(response)
    assert response.status_code == 200
    assert "The notice cannot have been received after today (Nov 30, 2026" in page
    assert "Aug 22, 2028" not in page and "Too late for this term" not in page
    assert not ScheduledChange.objects.filter(account=managed()).exists()


def test_r7_2_a_notice_from_today_is_accepted_and_one_from_tomorrow_is_not():
    root = User.objects.get(email="root@staff.test")
    with pytest.raises(Exception, match="cannot have been received after today"):
        staff_cancellation_schedule(
            account=managed(), by=root, reason="switching", notice_received=date(2026, 12, 1), now=TODAY
        )
    assert not ScheduledChange.objects.filter(account=managed()).exists()
    cancellation = staff_cancellation_schedule(
        account=managed(), by=root, reason="switching", notice_received=TODAY.date(), now=TODAY
    )
    assert cancellation.effective_at == managed().subscription.current_period_end


# --- Content-Security-Policy: no inline styles -----------------------------------------------------------


def change_request_url(sign_in) -> str:
    sign_in("admin@assisted.test").post(SUBSCRIPTION + "change-requests/", {"what": "Add 10 seats"})
    change_request = SubscriptionChangeRequest.objects.get(what="Add 10 seats")
    return reverse("admin:billing_subscriptionchangerequest_change", args=[change_request.pk])


def inline_styles(response) -> list[str]:
    return re.findall(r"<[^>]*\sstyle\s*=[^>]*>", response.content.decode())


def test_csp_the_staff_change_request_page_has_no_style_attribute(sign_in):  # R2.4
    url, staff = change_request_url(sign_in), sign_in("support@staff.test")
    page = staff.get(url)
    support = item("Online Assisted Ltd", "support")
    preview = staff.post(
        url, {"decision": "approve", "apply_kind": "add_seats", "apply_item": support.pk, "apply_seats": 3}
    )
    assert page.status_code == 200 and 'data-testid="preview"' in preview.content.decode()  # R6.5
    assert inline_styles(page) == [] and inline_styles(preview) == []


# --- Reinstatement refused after the effective date (R4.11) ---------------------------------------------

DEC_20, DEC_30 = datetime(2026, 12, 20, tzinfo=UTC), datetime(2026, 12, 30, 9, 0, tzinfo=UTC)


def removal_on_dec_20() -> ScheduledChange:
    talk = item("Acme Self-Service", "talk")
    return ScheduledChange.objects.create(
        account=talk.subscription.account,
        kind=ScheduledChange.Kind.REMOVE_ITEM,
        item=talk,
        effective_at=DEC_20,
        created_at=TODAY,
    )


def reinstate(sign_in, change):
    url = reverse("admin:billing_scheduledchange_changelist")
    with time_machine.travel(DEC_30, tick=False):
        staff = sign_in("support@staff.test")  # signed in then: a session of November has expired
        return text(
            staff.post(url, {"action": "reinstate_selected", "_selected_action": [change.pk]}, follow=True)
        )


def test_r4_11_too_late_to_reinstate_names_the_effective_date_not_today(sign_in):
    page = reinstate(sign_in, removal_on_dec_20())
    assert "Its effective date (December 20, 2026) has passed" in page and "December 30" not in page


def test_r4_11_applied_late_by_the_clock_it_still_took_effect_on_its_effective_date(sign_in):
    change = removal_on_dec_20()
    assert scheduled_change_apply(change.pk, real_now=DEC_30)  # the billing clock ran ten days late
    change.refresh_from_db()
    assert change.applied_at == DEC_30
    page = reinstate(sign_in, change)
    assert "It already took effect on December 20, 2026" in page and "December 30" not in page
