"""R8.10: the owner or a billing admin asks support for a missing invoice or a copy; staff answer in /staff/.
The page's query budget with many requests is in test_query_budget."""

import uuid

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import User
from billing.models import BillingEvent, EmailLog, Invoice, SupportRequest
from billing.services import support_requests
from tests.helpers import NOW, demo_member, new_events, text

pytestmark = pytest.mark.usefixtures("demo")
INVOICES = "/admin/account/billing/invoices/"
ASK = "/admin/account/billing/invoices/requests/"
Status = SupportRequest.Status


def asked(**values) -> dict:
    return {"key": str(uuid.uuid4()), "period_from": "2026-01", "period_to": "2026-03", **values}


def staff_url(support_request) -> str:
    return reverse("admin:billing_supportrequest_change", args=[support_request.pk])


def request_of(client, **values) -> SupportRequest:
    assert client.post(ASK, asked(**values)).status_code == 302
    return SupportRequest.objects.get()


def test_r8_10_the_owner_asks_for_the_invoices_of_a_period(sign_in, django_capture_on_commit_callbacks):
    owner = sign_in("owner@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(ASK, asked(message="Our accountant lost them."), follow=True)
    assert response.redirect_chain[-1][0] == INVOICES
    assert "Your request was sent to support" in text(response)
    request = SupportRequest.objects.get()
    assert (request.kind, request.status, request.requested_by.email) == (
        "invoice_copy",
        "open",
        "owner@acme.test",
    )
    assert (str(request.period_from), str(request.period_to)) == ("2026-01-01", "2026-03-01")
    assert new_events().filter(kind=BillingEvent.Kind.INVOICE_COPY_REQUESTED).count() == 1
    confirmation, to_support = sorted(mail.outbox, key=lambda m: m.to != ["owner@acme.test"])
    assert confirmation.to == ["owner@acme.test"]
    assert confirmation.subject == "We received your request for invoices"
    assert "Invoices from January 2026 to March 2026" in confirmation.body
    assert "Our accountant lost them." in confirmation.body
    assert to_support.to == ["support@example.test"]
    row = text(response).split("Your requests")[1]
    assert "January 2026 – March 2026" in row and "Awaiting an answer" in row


def test_r8_10_a_billing_admin_may_ask_for_one_invoice_by_number(sign_in):
    request = request_of(
        sign_in("billing@acme.test"), period_from="", period_to="", invoice_number="INV-0001-00004"
    )
    assert request.invoice_number == "INV-0001-00004" and request.period_from is None


@pytest.mark.parametrize("email", ["admin@acme.test", "agent@acme.test"])
def test_r8_10_members_who_do_not_see_invoices_cannot_ask(sign_in, email):
    response = sign_in(email).post(ASK, asked())
    assert response.status_code == 403
    assert not SupportRequest.objects.exists()


def test_r8_10_the_same_form_sent_twice_makes_one_request(sign_in, django_capture_on_commit_callbacks):
    owner, form = sign_in("owner@acme.test"), asked()
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post(ASK, form).status_code == 302
        assert owner.post(ASK, form).status_code == 302
    assert SupportRequest.objects.count() == 1
    assert new_events().filter(kind=BillingEvent.Kind.INVOICE_COPY_REQUESTED).count() == 1
    assert len(mail.outbox) == 2  # the confirmation and support's notice, once


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"period_from": "2026-05", "period_to": "2026-02"}, "The period ends before it starts"),
        ({"period_from": "2026-10", "period_to": "2027-01"}, "cannot end after the current month"),
        ({"period_from": "2020-01", "period_to": "2026-11"}, "at most 24 months"),
        ({"period_from": "2026-01", "period_to": ""}, "Give both months"),
        ({"period_from": "", "period_to": ""}, "or the number of one invoice"),
        ({"period_from": "2026-13", "period_to": "2026-14"}, "Enter a month such as 2026-11"),
        ({"period_from": "99999-01"}, "Enter a month such as 2026-11"),
        ({"invoice_number": "<script>"}, "letters, digits and dashes"),
        ({"message": "x" * 2001}, "at most 2000 characters"),
        ({"key": "not-a-key"}, "This form is out of date"),
    ],
)
def test_r8_10_bad_input_is_refused_with_a_message_and_nothing_stored(sign_in, values, message):
    response = sign_in("owner@acme.test").post(ASK, asked(**values))
    assert response.status_code == 422
    assert message in text(response)
    assert not SupportRequest.objects.exists()
    assert not new_events().exists()


def test_r8_10_the_service_refuses_a_reversed_period_too():
    with pytest.raises(ValidationError, match="ends before it starts"):
        support_requests.invoice_copy_request(
            membership=demo_member("owner@acme.test"),
            key=uuid.uuid4(),
            period_from=NOW.date().replace(month=5, day=1),
            period_to=NOW.date().replace(month=2, day=1),
            invoice_number="",
            message="",
            now=NOW,
        )


def test_r8_10_another_account_sees_none_of_these_requests(sign_in):
    request_of(sign_in("owner@acme.test"), message="Acme's own question")
    page = text(sign_in("owner@legacy-suite.test").get(INVOICES))
    assert "Acme's own question" not in page and "Vos demandes" not in page and "Your requests" not in page


def test_r8_10_staff_answer_with_the_invoice_and_the_requester_reads_it(
    sign_in, django_capture_on_commit_callbacks
):
    owner = sign_in("owner@acme.test")
    request = request_of(owner)
    invoice = Invoice.objects.filter(account=request.account).exclude(status="draft").earliest("issued_at")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in("support@staff.test").post(
            staff_url(request),
            {"answer": "answered", "reply": "Here it is, attached.", "invoices": [invoice.pk]},
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.reply, request.answered_by.email) == (
        "answered",
        "Here it is, attached.",
        "support@staff.test",
    )
    assert list(request.invoices.all()) == [invoice]
    (answer,) = mail.outbox
    assert answer.to == ["owner@acme.test"] and answer.subject == "Support answered your request for invoices"
    assert "Here it is, attached." in answer.body and invoice.number in answer.body
    assert [name for name, *_ in answer.attachments] == [f"{invoice.number}.pdf"]
    assert new_events().filter(kind=BillingEvent.Kind.SUPPORT_REQUEST_ANSWERED).count() == 1
    page = owner.get(INVOICES).content.decode()
    assert "Here it is, attached." in page and reverse("billing:invoice_pdf", args=[invoice.pk]) in page
    # Closing it later sends nothing more, and a closed request leaves the page.
    with django_capture_on_commit_callbacks(execute=True):
        sign_in("support@staff.test").post(staff_url(request), {"answer": "closed", "reply": request.reply})
    request.refresh_from_db()
    assert request.status == Status.CLOSED and len(mail.outbox) == 1
    assert "Here it is, attached." not in owner.get(INVOICES).content.decode()


def test_r8_10_a_first_answer_needs_a_reply(sign_in):
    request = request_of(sign_in("owner@acme.test"))
    response = sign_in("support@staff.test").post(
        staff_url(request), {"answer": "answered", "reply": ""}, follow=True
    )
    assert "Write the reply" in text(response)
    request.refresh_from_db()
    assert request.status == Status.OPEN and not EmailLog.objects.filter(key__contains="answered").exists()


def test_r8_10_staff_cannot_point_to_another_accounts_invoice(sign_in):
    request = request_of(sign_in("owner@acme.test"))
    foreign = Invoice.objects.filter(account__name="Legacy Suite SARL").exclude(status="draft").first()
    with pytest.raises(ValidationError, match="issued invoices of the request's account"):
        support_requests.invoice_copy_answer(
            support_request=request,
            by=User.objects.get(email="support@staff.test"),
            reply="Wrong account",
            status=Status.ANSWERED,
            invoices=[foreign],
            now=NOW,
        )
    assert not request.invoices.exists()


def test_r8_10_staff_outside_the_support_group_cannot_answer(sign_in):
    request = request_of(sign_in("owner@acme.test"))
    support = User.objects.get(email="support@staff.test")
    support.groups.remove(Group.objects.get(name="Support"))
    with pytest.raises(PermissionDenied):
        support_requests.invoice_copy_answer(
            support_request=request,
            by=User.objects.get(pk=support.pk),
            reply="Hi",
            status=Status.ANSWERED,
            now=NOW,
        )
