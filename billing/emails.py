"""Emails, written in the recipient's language into the outbox (billing/outbox.py) by the transaction that
decides them, and sent by the worker once it commits. Each has a key made of what it is about: the same
email is never written twice, and every attempt at sending it carries the same Message-ID."""

from collections import defaultdict
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership
from billing.clock import now_for
from billing.models import BillingContact, EmailLog
from billing.outbox import lease, send_email


def queue(*emails: EmailLog) -> list[EmailLog]:
    """Write the emails in the current transaction; each is sent once it commits. A key already written
    is skipped: a rerun of the billing clock never emails twice (R9.1). Returns the new ones.

    Two transactions writing one key at the same moment would make the second fail on the unique key (and
    roll its decision back, to be retried); each key belongs to a decision whose rows its service locks
    first (an invoice, a dunning case, an export), so they never do."""
    known = set(EmailLog.objects.filter(key__in=[e.key for e in emails]).values_list("key", flat=True))
    new = list({e.key: e for e in emails if e.key not in known}.values())
    EmailLog.objects.bulk_create(new)
    for email in new:
        transaction.on_commit(partial(send_email.enqueue, email.pk))
    return new


def email(
    *,
    key: str,
    account,
    to: list[str],
    template: str,
    context: dict,
    language: str,
    invoice=None,
    attachment: str = EmailLog.Attachment.DOCUMENT,
):
    """An email of the outbox, rendered now (what the decision saw), not saved yet. With an invoice, the
    sender attaches its PDF (`attachment`: its document, or its receipt)."""
    with translation.override(language):
        subject = render_to_string(f"billing/emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"billing/emails/{template}.txt", context)
    real_now = now_for()
    return EmailLog(
        key=key,
        account=account,
        recipients=", ".join(to),
        subject=subject[:200],
        body=body,
        invoice=invoice,
        attachment=attachment,
        created_at=real_now,
        claimed_until=real_now + lease(),  # the worker's, after the commit; the clock's if it never comes
    )


def invoice_recipients(account) -> list[str]:
    """The owner and every billing contact (R8.3)."""
    return invoice_recipients_of([account])[account.pk]


def invoice_recipients_of(accounts) -> dict[int, list[str]]:
    """`invoice_recipients` of many accounts in two queries (the billing clock's batches)."""
    ids = [account.pk for account in accounts]
    found = defaultdict(list)
    owners = Membership.objects.filter(account_id__in=ids, role=Membership.Role.OWNER)
    contacts = BillingContact.objects.filter(account_id__in=ids, removed_at=None).order_by("email")
    for rows in (
        owners.values_list("account_id", "user__email"),
        contacts.values_list("account_id", "email"),
    ):
        for account_id, address in rows:
            found[account_id].append(address)
    return {pk: list(dict.fromkeys(found[pk])) for pk in ids}


def send_once(*, key: str, account, template: str, context: dict, now=None) -> bool:
    """An email to the owner and billing contacts under `key`, unless that key was written already."""
    to = invoice_recipients(account)
    written = queue(
        email(key=key, account=account, to=to, template=template, context=context, language=account.language)
    )
    return bool(written)


def change_request_received(change_request) -> None:
    """Tell support staff that an admin asked for a subscription change (R2.4)."""
    queue(
        email(
            key=f"change-request-{change_request.pk}-received",
            account=change_request.account,
            to=[settings.SUPPORT_EMAIL],
            template="change_request_received",
            context={"change_request": change_request},
            language="en",
        )
    )


def change_request_decided(change_request) -> None:
    queue(
        email(
            key=f"change-request-{change_request.pk}-decided",
            account=change_request.account,
            to=[change_request.requested_by.email],
            template="change_request_decided",
            context={"change_request": change_request},
            language=change_request.account.language,
        )
    )


def removal_confirmed(cancellation) -> None:
    """R4.13: the owner learns what ends and when."""
    queue(
        email(
            key=f"cancellation-{cancellation.pk}-confirmed",
            account=cancellation.account,
            to=[cancellation.created_by.email],
            template="removal_confirmed",
            context={
                "cancellation": cancellation,
                "changes": cancellation.changes.select_related("item__product"),
            },
            language=cancellation.account.language,
        )
    )


def account_cancellation_confirmed(cancellation) -> None:
    """R5.7: the owner and every billing contact get the effective date."""
    send_once(
        key=f"account-cancellation-{cancellation.pk}-confirmed",
        account=cancellation.account,
        template="account_cancellation_confirmed",
        context={"cancellation": cancellation},
    )


def subscription_kept(cancellation, withdrawn, *, by) -> None:
    """R5.9: the owner withdrew a confirmation; they learn what no longer ends (for the account, every
    billing contact too, as for its cancellation, R5.7). Once per confirmation: it can be kept only once."""
    account = cancellation.account
    everyone = cancellation.scope == cancellation.Scope.ACCOUNT
    queue(
        email(
            key=f"cancellation-{cancellation.pk}-kept",
            account=account,
            to=invoice_recipients(account) if everyone else [by.email],
            template="subscription_kept",
            context={"cancellation": cancellation, "changes": withdrawn, "account": account},
            language=account.language,
        )
    )


def ownership_transferred(event, *, former, successor) -> None:
    """R1.5: the former owner and the new one both learn of the transfer (one email per transfer: its
    billing event's)."""
    account = event.account
    queue(
        email(
            key=f"ownership-transferred-{event.pk}",
            account=account,
            to=[user.email for user in (former, successor) if user is not None],
            template="ownership_transferred",
            context={"account": account, "former": former, "successor": successor, "by": event.actor},
            language=account.language,
        )
    )


def invoice_issued(invoice, *, to: list[str] | None = None) -> EmailLog:
    """A finalized invoice, to the owner and every billing contact, in the invoice's language; its PDF is
    attached by the sender. Not saved: the billing clock writes a batch's at once (`queue`), with their
    recipients read at once (`to`)."""
    return email(
        key=f"invoice-{invoice.number}-issued",
        account=invoice.account,
        to=invoice_recipients(invoice.account) if to is None else to,
        template="invoice_issued",
        context={"invoice": invoice},
        language=invoice.language or "en",
        invoice=invoice,
    )


def receipt(invoice, *, to: list[str] | None = None) -> EmailLog:
    """The receipt of a paid invoice (R8.9), to the owner and every billing contact, in the invoice's
    language; the sender attaches the receipt's PDF. One per invoice. Not saved: `payment_receipt` queues one,
    the card payments recorded in a batch queue theirs at once (`to` read at once)."""
    return email(
        key=f"receipt-{invoice.number}",
        account=invoice.account,
        to=invoice_recipients(invoice.account) if to is None else to,
        template="payment_receipt",
        context={"invoice": invoice},
        language=invoice.language or "en",
        invoice=invoice,
        attachment=EmailLog.Attachment.RECEIPT,
    )


def payment_receipt(invoice) -> bool:
    """In the transaction that records an invoice paid (a card charge, a bank transfer received): its receipt,
    sent once that transaction commits, once per invoice whoever calls. Returns whether it was queued now."""
    return bool(queue(receipt(invoice)))


def final_statement(statement) -> None:
    """R7.4: what ended, the refunds, and that nothing more will be charged — to the owner and every billing
    contact. (Their emails are gone once the data is deleted, 90 days later.)"""
    send_once(
        key=f"final-statement-{statement.pk}",
        account=statement.account,
        template="final_statement",
        context={"statement": statement, "account": statement.account},
    )


def data_export_ready(export) -> None:
    """R7.6: the owner learns the export is ready; the link works for them only, until it expires."""
    to = [export.requested_by.email] if export.requested_by else invoice_recipients(export.account)[:1]
    queue(
        email(
            key=f"data-export-{export.pk}-ready",
            account=export.account,
            to=to,
            template="data_export_ready",
            context={"export": export, "url": settings.SITE_URL.rstrip("/") + reverse("billing:data_export")},
            language=export.account.language,
        )
    )


def transfer_reminder(invoice, which: str) -> bool:
    """R8.9: an invoice paid by transfer is still open — `which` is "before" its due date or "after" it. To
    the owner and every billing contact, in the account's language, with the bank details and reference
    the invoice was issued with; once per invoice and reminder (its key). Returns whether it was written."""
    return send_once(
        key=transfer_reminder_key(invoice, which),
        account=invoice.account,
        template=f"transfer_reminder_{which}",
        context={"invoice": invoice},
    )


def transfer_reminder_key(invoice, which: str) -> str:
    return f"reminder-{which}-{invoice.number}"
