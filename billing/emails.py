"""Emails, sent through Django's email framework in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership
from billing.models import EmailLog
from billing.pdf import invoice_pdf


def _send(*, to: list[str], template: str, context: dict, language: str) -> None:
    with translation.override(language):
        subject = render_to_string(f"billing/emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"billing/emails/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)


def change_request_received(change_request) -> None:
    """Tell support staff that an admin asked for a subscription change (R2.4)."""
    _send(
        to=[settings.SUPPORT_EMAIL],
        template="change_request_received",
        context={"change_request": change_request},
        language="en",
    )


def change_request_decided(change_request) -> None:
    _send(
        to=[change_request.requested_by.email],
        template="change_request_decided",
        context={"change_request": change_request},
        language=change_request.account.language,
    )


def removal_confirmed(cancellation) -> None:
    """R4.13: the owner learns what ends and when."""
    _send(
        to=[cancellation.created_by.email],
        template="removal_confirmed",
        context={
            "cancellation": cancellation,
            "changes": cancellation.changes.select_related("item__product"),
        },
        language=cancellation.account.language,
    )


def account_cancellation_confirmed(cancellation) -> None:
    """R5.7: the owner and every billing contact get the effective date."""
    _send(
        to=invoice_recipients(cancellation.account),
        template="account_cancellation_confirmed",
        context={"cancellation": cancellation},
        language=cancellation.account.language,
    )


def ownership_transferred(*, account, former, successor, by, now) -> None:
    """R1.5: the former owner and the new one both learn of the transfer."""
    recipients = [user.email for user in (former, successor) if user is not None]
    context = {"account": account, "former": former, "successor": successor, "by": by}
    transaction.on_commit(
        lambda: _send(
            to=recipients, template="ownership_transferred", context=context, language=account.language
        )
    )


def invoice_recipients(account) -> list[str]:
    """The owner and every billing contact (R8.3)."""
    owner = Membership.objects.filter(account=account, role=Membership.Role.OWNER).values_list(
        "user__email", flat=True
    )
    contacts = account.billing_contacts.filter(removed_at=None).values_list("email", flat=True)
    return list(dict.fromkeys([*owner, *contacts]))


def invoice_issued(invoice) -> None:
    """A finalized invoice with its PDF, to the owner and every billing contact, in the account's language."""
    with translation.override(invoice.language or "en"):
        context = {"invoice": invoice}
        subject = render_to_string("billing/emails/invoice_issued_subject.txt", context).strip()
        body = render_to_string("billing/emails/invoice_issued.txt", context)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, invoice_recipients(invoice.account))
    message.attach(f"{invoice.number}.pdf", invoice_pdf(invoice), "application/pdf")
    message.send()


def send_once(*, key: str, account, template: str, context: dict, now) -> bool:
    """Record the email under `key`, then send it once the transaction commits. A key already recorded is
    not sent again: a rerun of the billing clock never emails twice (R9.1). Returns whether it was new."""
    if EmailLog.objects.filter(key=key).exists():
        return False
    recipients = invoice_recipients(account)
    with translation.override(account.language):
        subject = render_to_string(f"billing/emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"billing/emails/{template}.txt", context)
    EmailLog.objects.create(
        key=key, account=account, recipients=", ".join(recipients), subject=subject, created_at=now
    )
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients))
    return True


def final_statement(statement) -> None:
    """R7.4: what ended, the refunds, and that nothing more will be charged — to the owner and every billing
    contact. (Their emails are gone once the data is deleted, 90 days later.)"""
    _send(
        to=invoice_recipients(statement.account),
        template="final_statement",
        context={"statement": statement, "account": statement.account},
        language=statement.account.language,
    )


def data_export_ready(export) -> None:
    """R7.6: the owner learns the export is ready; the link works for them only, until it expires."""
    _send(
        to=[export.requested_by.email] if export.requested_by else invoice_recipients(export.account)[:1],
        template="data_export_ready",
        context={"export": export, "url": settings.SITE_URL.rstrip("/") + reverse("billing:data_export")},
        language=export.account.language,
    )
