"""The email outbox (issue 16): an email is a row written in the transaction that decides it, and sent after
that transaction commits, by the worker (`send_email`) or, if the worker never does, by the billing clock.

The guarantee (README "Emails: at least once"): every email is sent at least once. A duplicate can only
happen if the sender dies after the mail server accepted the message and before the row says so; the
resent message then carries the same Message-ID, made from the email's key, so mail clients show one.
"""

import logging
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from billing import crash
from billing.clock import now_for
from billing.documents import invoice_document
from billing.models import EmailLog
from billing.pdf import final_statement_pdf, receipt_pdf

logger = logging.getLogger(__name__)
SENT_BY_THE_CLOCK = 200  # at most this many a tick, oldest first: a backlog drains over several ticks
# Refused this many times (a bad address, a mail server that rejects it), an email stops being tried: it
# stays in /staff/ → Emails, unsent, with its last error. The waits between tries grow: 5, 10, 15… minutes.
GIVE_UP_AFTER = 10


def lease() -> timedelta:
    """How long a sender may hold an email before another presumes it dead and sends it. It must outlast a
    send: the mail server's EMAIL_TIMEOUT (30 s) and an invoice PDF; five minutes leaves room for both
    without leaving an email waiting long."""
    return timedelta(seconds=settings.EMAIL_LEASE_SECONDS)


def message_id(key: str) -> str:
    """The same for every attempt at the same email: a duplicate is recognisably the same message."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{re.sub(r'[^A-Za-z0-9._-]', '-', key)}@{domain}>"


@task()
def send_email(email_id: int) -> None:
    email_send(email_id)


def email_send(email_id: int, *, real_now: datetime | None = None) -> bool:
    """Claim the email, send it, then record it sent. Returns whether this call sent it.

    The claim is one conditional UPDATE: the first sender after the commit takes a fresh email (no attempt
    yet); anyone else only one whose lease ran out. So the worker and the clock never both send it, unless
    the first died holding it — the case the guarantee allows."""
    real_now = real_now or now_for()
    fresh = Q(attempts=0)
    abandoned = Q(claimed_until__lt=real_now)
    claimed = EmailLog.objects.filter(
        fresh | abandoned, pk=email_id, sent_at=None, attempts__lt=GIVE_UP_AFTER
    ).update(attempts=F("attempts") + 1, claimed_until=real_now + lease())
    if not claimed:
        return False
    email = EmailLog.objects.select_related("invoice", "account__final_statement").get(pk=email_id)
    crash.point("email-claimed")
    recipients = [address for address in email.recipients.split(", ") if address]
    if recipients:  # none left once the account's data was deleted (R8.6): nothing to send
        try:
            _message(email, recipients).send()
        except Exception as error:  # refused or unreachable: the clock tries again, later each time
            logger.warning("Email %s not sent (attempt %s): %s", email.key, email.attempts, error)
            EmailLog.objects.filter(pk=email_id).update(
                last_error=f"{type(error).__name__}: {error}"[:300],
                claimed_until=real_now + lease() * email.attempts,
            )
            return False
    crash.point("email-sent")
    EmailLog.objects.filter(pk=email_id).update(sent_at=real_now, claimed_until=None, last_error="")
    return True


def _message(email: EmailLog, recipients: list[str]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        email.subject,
        email.body,
        settings.DEFAULT_FROM_EMAIL,
        recipients,
        headers={"Message-ID": message_id(email.key)},
    )
    message.attach_alternative(html_part(email), "text/html")
    if email.attachment == EmailLog.Attachment.FINAL_STATEMENT:  # R7.4: the statement of the email's account
        message.attach(
            "final-statement.pdf",
            final_statement_pdf(email.account.final_statement, language=email.language),
            "application/pdf",
        )
        return message
    invoice = email.invoice
    if invoice is None:
        return message
    # Here, in the worker: the pages and the clock never wait for a PDF.
    if email.attachment == EmailLog.Attachment.RECEIPT:
        message.attach(f"receipt-{invoice.number}.pdf", receipt_pdf(invoice), "application/pdf")
    else:  # the stored document: the attachment is the PDF every download gives
        message.attach(f"{invoice.number}.pdf", invoice_document(invoice), "application/pdf")
    return message


def html_part(email: EmailLog) -> str:
    """The email's HTML alternative, made from its text: every email has one, carrying the same words, with
    no template of its own to keep in step. The text's paragraphs (split on blank lines) in the app's
    branded layout, in the email's language."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", email.body) if part.strip()]
    language = email.language or settings.LANGUAGE_CODE
    with translation.override(language):
        return render_to_string(
            "billing/email.html", {"subject": email.subject, "paragraphs": paragraphs, "language": language}
        )


def emails_send_due(*, real_now: datetime) -> int:
    """The billing clock's safety net: send what no worker sent — never picked up, or its sender died."""
    due = (
        EmailLog.objects.filter(sent_at=None, claimed_until__lt=real_now, attempts__lt=GIVE_UP_AFTER)
        .order_by("claimed_until")
        .values_list("pk", flat=True)[:SENT_BY_THE_CLOCK]
    )
    return sum(email_send(pk, real_now=real_now) for pk in list(due))
