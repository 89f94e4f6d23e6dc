"""Requests to support staff (R8.10): a missing invoice or a copy for a period, asked by whoever sees the
invoices; a temporary reactivation, asked by the owner of an account cancelled for non-payment from the
sign-in refusal. Staff answer in /staff/; the requester is emailed when asking and when answered."""

import uuid
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Account, Membership
from billing import emails
from billing.models import BillingEvent, Invoice, SupportRequest
from billing.months import months_between
from billing.services.audit import billing_event_record
from billing.services.support import temporary_reactivation_grant

Kind, Status = SupportRequest.Kind, SupportRequest.Status

MAX_PERIOD_MONTHS = 24
PERIOD_NEEDED = _("Give the months of the invoices (from and to) or the number of one invoice.")
PERIOD_HALF = _("Give both months of the period: from and to.")
PERIOD_REVERSED = _("The period ends before it starts: the “from” month comes first.")
PERIOD_IN_FUTURE = _("The period cannot end after the current month: those invoices do not exist yet.")
PERIOD_TOO_LONG = _("Ask for at most %(max)s months at a time.")
NOT_SUSPENDED_OWNER = _(
    "Only the owner of an account cancelled for non-payment can ask for a temporary reactivation."
)
NEEDS_PERMISSION = _("You need the permission to answer support requests.")
ALREADY_CLOSED = _("This request is closed: it cannot be answered again.")
ALREADY_ANSWERED = _("This request was already answered.")
REPLY_NEEDED = _("Write the reply: the requester reads it.")
WRONG_STATUS = _("Answer with the status Answered or Closed.")
FOREIGN_INVOICE = _("Only issued invoices of the request's account can be pointed to.")
NOT_AN_INVOICE_REQUEST = _("This is not a request for invoices.")
NOT_A_REACTIVATION_REQUEST = _("This is not a request for a temporary reactivation.")


def asked_invoices_problem(
    period_from: date | None, period_to: date | None, invoice_number: str, today: date
) -> str | None:
    """What is wrong with the invoices asked for — months (their first days) and/or a number — or None."""
    if (period_from is None) != (period_to is None):
        return str(PERIOD_HALF)
    if period_from is None:
        return None if invoice_number else str(PERIOD_NEEDED)
    if period_from > period_to:
        return str(PERIOD_REVERSED)
    if period_to > today.replace(day=1):
        return str(PERIOD_IN_FUTURE)
    if months_between(period_from, period_to) > MAX_PERIOD_MONTHS:
        return str(PERIOD_TOO_LONG) % {"max": MAX_PERIOD_MONTHS}
    return None


@transaction.atomic
def invoice_copy_request(
    *,
    membership: Membership,
    key: uuid.UUID,
    period_from: date | None,
    period_to: date | None,
    invoice_number: str,
    message: str,
    now: datetime,
) -> SupportRequest:
    """R8.10: the owner or a billing admin who sees the invoices (R8.1) asks for a missing invoice or a copy.
    The form's key makes a double click or a replay find the request it already made."""
    policy.require(membership, policy.Action.VIEW_INVOICES)
    problem = asked_invoices_problem(period_from, period_to, invoice_number, now.date())
    if problem:
        raise ValidationError(problem)
    fields = {
        "period_from": period_from,
        "period_to": period_to,
        "invoice_number": invoice_number,
        "message": message,
    }
    return _request_open(membership, Kind.INVOICE_COPY, key, fields, now=now)


@transaction.atomic
def reactivation_request(*, membership: Membership, key: uuid.UUID, message: str, now: datetime):
    """R8.10, R8.5: the owner of an account cancelled for non-payment asks for a temporary reactivation. One
    waits at a time: asking again while one is open returns it."""
    account = membership.account
    if membership.role != Membership.Role.OWNER or account.status != Account.Status.SUSPENDED:
        raise PermissionDenied(NOT_SUSPENDED_OWNER)
    waiting = SupportRequest.objects.filter(account=account, kind=Kind.REACTIVATION, status=Status.OPEN)
    return waiting.first() or _request_open(membership, Kind.REACTIVATION, key, {"message": message}, now=now)


def _request_open(membership: Membership, kind: str, key: uuid.UUID, fields: dict, *, now: datetime):
    account = membership.account
    made = SupportRequest.objects.filter(account=account, key=key).first()
    if made is not None:
        return made
    try:
        with transaction.atomic():  # a racing twin of the same form (same key) may have just made it
            request = SupportRequest.objects.create(
                account=account, kind=kind, requested_by=membership.user, key=key, created_at=now, **fields
            )
    except IntegrityError:
        same_form = SupportRequest.objects.filter(account=account, key=key)
        waiting = SupportRequest.objects.filter(account=account, kind=kind, status=Status.OPEN)
        return same_form.first() or waiting.get()
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.INVOICE_COPY_REQUESTED
        if kind == Kind.INVOICE_COPY
        else BillingEvent.Kind.REACTIVATION_REQUESTED,
        by=membership.user,
        summary=f"Support request {request.pk}: {request.get_kind_display()}",
        after={"request": request.pk, **{k: str(v) if v else "" for k, v in fields.items()}},
        now=now,
    )
    emails.support_request_received(request)
    return request


def _locked_for_answer(support_request: SupportRequest, by) -> SupportRequest:
    if not by.has_perm("billing.change_supportrequest"):
        raise PermissionDenied(NEEDS_PERMISSION)
    locked = SupportRequest.objects.select_for_update().select_related("account").get(pk=support_request.pk)
    if locked.status == Status.CLOSED:
        raise ValidationError(ALREADY_CLOSED)
    return locked


@transaction.atomic
def invoice_copy_answer(
    *, support_request: SupportRequest, by, reply: str, status: str, invoices=(), now: datetime
) -> SupportRequest:
    """Staff answer a request for invoices: a reply (emailed to the requester, with the PDF when it points
    to one invoice) and the status Answered or Closed; the invoices it points to show with the request on
    the Invoices page. An answered request can later be closed (no new email)."""
    locked = _locked_for_answer(support_request, by)
    if locked.kind != Kind.INVOICE_COPY:
        raise ValidationError(NOT_AN_INVOICE_REQUEST)
    if status not in (Status.ANSWERED, Status.CLOSED):
        raise ValidationError(WRONG_STATUS)
    invoices = list(invoices)
    issued = Invoice.objects.filter(account=locked.account).exclude(status=Invoice.Status.DRAFT)
    if len(invoices) != issued.filter(pk__in=[i.pk for i in invoices]).count():
        raise ValidationError(FOREIGN_INVOICE)
    first_answer = locked.status == Status.OPEN
    if first_answer and not reply.strip():
        raise ValidationError(REPLY_NEEDED)
    locked.invoices.set(invoices)
    _answered(locked, by=by, reply=reply, status=status, now=now, email=first_answer)
    return locked


@transaction.atomic
def reactivation_answer(
    *, support_request: SupportRequest, by, grant: bool, reply: str, now: datetime
) -> SupportRequest:
    """Staff grant the temporary reactivation (R8.5's, through its own service: the owner may update the card
    for a few days) or refuse it with a reply; either way the owner is emailed."""
    locked = _locked_for_answer(support_request, by)
    if locked.kind != Kind.REACTIVATION:
        raise ValidationError(NOT_A_REACTIVATION_REQUEST)
    if locked.status != Status.OPEN:
        raise ValidationError(ALREADY_ANSWERED)
    if not grant and not reply.strip():
        raise ValidationError(REPLY_NEEDED)
    if grant:
        case = temporary_reactivation_grant(account=locked.account, by=by, now=now)
        locked.granted_until = case.reactivated_until
    status = Status.ANSWERED if grant else Status.CLOSED
    _answered(locked, by=by, reply=reply, status=status, now=now, email=True)
    return locked


def _answered(request: SupportRequest, *, by, reply: str, status: str, now: datetime, email: bool) -> None:
    before = request.status
    request.reply, request.status = reply, status
    if before == Status.OPEN:
        request.answered_by, request.answered_at = by, now
    request.save(update_fields=["reply", "status", "answered_by", "answered_at", "granted_until"])
    billing_event_record(
        account=request.account,
        kind=BillingEvent.Kind.SUPPORT_REQUEST_ANSWERED,
        by=by,
        summary=f"Support request {request.pk} {status}: {request.get_kind_display()}",
        before={"status": before},
        after={
            "request": request.pk,
            "kind": request.kind,
            "status": status,
            "granted": request.granted_until is not None,
        },
        now=now,
    )
    if email:
        emails.support_request_answered(request)
