"""Emails, written in each recipient's language (R10.1) into the outbox (billing/outbox.py) by the
transaction that decides them, and sent by the worker once it commits. Each has a key made of what it is
about: the same email is never written twice, and every attempt at sending it carries the same Message-ID."""

from collections import defaultdict

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership, User
from billing.clock import now_for
from billing.models import BillingContact, EmailLog
from billing.outbox import lease, send_email
from billing.queueing import enqueue_on_commit
from billing.selectors.statements import facts_of, statement_text


class Recipient(str):
    """An address that knows the language its person chose ("" for none), read with it in the same query
    (the billing clock's batches); a plain address has its language looked up by `email`."""

    language: str

    def __new__(cls, address: str, language: str | None = ""):
        recipient = super().__new__(cls, address)
        recipient.language = language or ""
        return recipient


def queue(*emails: EmailLog | list[EmailLog]) -> list[EmailLog]:
    """Write the emails (or `email`'s lists of them) in the current transaction; each is sent once it
    commits. A key already written is skipped: a rerun of the billing clock never emails twice (R9.1).
    Returns the new ones.

    Two transactions writing one key at the same moment would make the second fail on the unique key (and
    roll its decision back, to be retried); each key belongs to a decision whose rows its service locks
    first (an invoice, a dunning case, an export), so they never do."""
    emails = [one for group in emails for one in (group if isinstance(group, list) else [group])]
    known = set(EmailLog.objects.filter(key__in=[e.key for e in emails]).values_list("key", flat=True))
    new = list({e.key: e for e in emails if e.key not in known}.values())
    EmailLog.objects.bulk_create(new)
    enqueue_on_commit(send_email, [email.pk for email in new])
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
) -> list[EmailLog]:
    """The emails of the outbox, rendered now (what the decision saw), not saved yet: one per language its
    recipients speak (R10.1) — each person's own choice, else `language` (the account's, as a rule).

    The first, in `language` when someone speaks it, has the key itself: a decision that wrote anything
    always wrote `key` (the billing clock's checks look for it). The others add their language to it. With
    an invoice, the sender attaches its PDF (`attachment`: its document, or its receipt)."""
    return [
        _rendered(
            key=key if n == 0 else f"{key}~{group_language}",
            account=account,
            to=addresses,
            template=template,
            context=context,
            language=group_language,
            invoice=invoice,
            attachment=attachment,
        )
        for n, (group_language, addresses) in enumerate(by_language(to, default=language).items())
    ]


def by_language(to: list[str], *, default: str) -> dict[str, list[str]]:
    """The addresses grouped by the language of their person, `default`'s group first; an address no user
    has (a billing contact who never signed in), or whose user chose none, speaks `default`."""
    unknown = [address.lower() for address in to if not isinstance(address, Recipient)]
    people = User.objects.annotate(address=Lower("email")).filter(address__in=unknown)
    chosen = dict(people.values_list("address", "language")) if unknown else {}
    groups = {default: []}
    for address in to:
        spoken = address.language if isinstance(address, Recipient) else chosen.get(address.lower(), "")
        groups.setdefault(spoken or default, []).append(address)
    return {language: addresses for language, addresses in groups.items() if addresses}


def _rendered(*, key, account, to, template, context, language, invoice, attachment) -> EmailLog:
    with translation.override(language):
        subject = render_to_string(f"billing/emails/{template}_subject.txt", context, using="text").strip()
        body = render_to_string(f"billing/emails/{template}.txt", context, using="text")
    real_now = now_for()
    return EmailLog(
        key=key,
        account=account,
        recipients=", ".join(to),
        subject=subject[:200],
        body=body,
        language=language,
        invoice=invoice,
        attachment=attachment,
        created_at=real_now,
        claimed_until=real_now + lease(),  # the worker's, after the commit; the clock's if it never comes
    )


def invoice_recipients(account) -> list[str]:
    """The owner and every billing contact (R8.3)."""
    return invoice_recipients_of([account])[account.pk]


def invoice_recipients_of(accounts) -> dict[int, list[Recipient]]:
    """`invoice_recipients` of many accounts in two queries (the billing clock's batches), each with the
    language its person chose (a billing contact's: the user's of that address, if any)."""
    ids = [account.pk for account in accounts]
    found = defaultdict(list)
    owners = Membership.objects.filter(account_id__in=ids, role=Membership.Role.OWNER)
    contacts = BillingContact.objects.filter(account_id__in=ids, removed_at=None).order_by("email")
    contacts = contacts.annotate(
        chosen=Subquery(
            User.objects.annotate(address=Lower("email"))
            .filter(address=Lower(OuterRef("email")))
            .values("language")[:1]
        )
    )
    for rows in (
        owners.values_list("account_id", "user__email", "user__language"),
        contacts.values_list("account_id", "email", "chosen"),
    ):
        for account_id, address, language in rows:
            found[account_id].append(Recipient(address, language))
    return {pk: list(dict.fromkeys(found[pk])) for pk in ids}


def send_once(*, key: str, account, template: str, context: dict, now=None, attachment: str = "") -> bool:
    """An email to the owner and billing contacts under `key`, unless that key was written already."""
    to = invoice_recipients(account)
    written = queue(
        email(
            key=key,
            account=account,
            to=to,
            template=template,
            context=context,
            language=account.language,
            attachment=attachment or EmailLog.Attachment.DOCUMENT,
        )
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


def invoice_issued(invoice, *, to: list[str] | None = None) -> list[EmailLog]:
    """A finalized invoice, to the owner and every billing contact, each in their language, else the
    invoice's (R10.1); its PDF is attached by the sender. Not saved: the billing clock writes a batch's at
    once (`queue`), with their recipients read at once (`to`)."""
    return email(
        key=f"invoice-{invoice.number}-issued",
        account=invoice.account,
        to=invoice_recipients(invoice.account) if to is None else to,
        template="invoice_issued",
        context={"invoice": invoice},
        language=invoice.language or "en",
        invoice=invoice,
    )


def receipt(invoice, *, to: list[str] | None = None) -> list[EmailLog]:
    """The receipt of a paid invoice (R8.9), to the owner and every billing contact, each in their language,
    else the invoice's; the sender attaches the receipt's PDF. One per invoice (and language). Not saved:
    `payment_receipt` queues one, the card payments recorded in a batch queue theirs at once (`to` read at
    once)."""
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
    contact, with the statement as a PDF (attached by the sender). The body is the statement's own sentences
    (billing.selectors.statements), as its PDF and the preview on Billing › Invoices say them. (Their emails
    are gone once the data is deleted, 90 days later.)"""
    account = statement.account
    send_once(
        key=f"final-statement-{statement.pk}",
        account=account,
        template="final_statement",
        context={"text": _StatementWords(statement), "account": account},
        attachment=EmailLog.Attachment.FINAL_STATEMENT,
    )


class _StatementWords:
    """A statement's sentences, worded as each email is rendered: in its recipients' language (R10.1)."""

    def __init__(self, statement):
        self.statement = statement

    @property
    def lines(self):
        return statement_text(facts_of(self.statement)).lines


def data_export_ready(export) -> None:
    """R7.6: the owner learns the export is ready; the link works for them only, until it expires."""
    to = [export.requested_by.email] if export.requested_by else invoice_recipients(export.account)[:1]
    queue(
        email(
            key=f"data-export-{export.pk}-ready",
            account=export.account,
            to=to,
            template="data_export_ready",
            context={"export": export, "url": _url("billing:data_export")},
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


def support_request_received(request) -> None:
    """R8.10: the requester's confirmation, in the account's language, and support's notice (in English)."""
    context = {"request": request, "url": _support_request_url(request)}
    queue(
        email(
            key=f"support-request-{request.pk}-received",
            account=request.account,
            to=[request.requested_by.email],
            template="support_request_received",
            context=context,
            language=request.account.language,
        ),
        email(
            key=f"support-request-{request.pk}-to-support",
            account=request.account,
            to=[settings.SUPPORT_EMAIL],
            template="support_request_to_support",
            context=context,
            language="en",
        ),
    )


def support_request_answered(request) -> None:
    """R8.10: support's answer to the requester; pointing to one invoice, it attaches that invoice's PDF."""
    invoices = list(request.invoices.order_by("issued_at", "id"))
    queue(
        email(
            key=f"support-request-{request.pk}-answered",
            account=request.account,
            to=[request.requested_by.email],
            template="support_request_answered",
            context={"request": request, "invoices": invoices, "url": _support_request_url(request)},
            language=request.account.language,
            invoice=invoices[0] if len(invoices) == 1 else None,
        )
    )


def _support_request_url(request) -> str:
    """Where the requester follows the request: the Invoices page, or signing in (a reactivation)."""
    name = "billing:invoices" if request.kind == request.Kind.INVOICE_COPY else "accounts:login"
    return _url(name)


def renewal_reminder(subscription, upcoming, *, to: list[str]) -> list[EmailLog]:
    """Issue 19: 30 days before an annual renewal, its date and the amount of its invoice (the upcoming
    invoice, R3.6). Not saved: the clock writes a batch's at once (`queue`)."""
    key = f"renewal-reminder-{subscription.pk}-{subscription.current_period_end:%Y%m%dT%H%M%SZ}"
    url = _url("billing:subscription")
    return _notice(subscription.account, key, to, "renewal_reminder", upcoming=upcoming, url=url)


def card_expiring(card, *, to: list[str]) -> list[EmailLog]:
    """Issue 19: the card on file expires at the end of next month (or of this one): once per card and
    expiry. Not saved, like `renewal_reminder`."""
    key = f"card-expiring-{card.account_id}-{card.last4}-{card.exp_year}{card.exp_month:02d}"
    return _notice(card.account, key, to, "card_expiring", card=card, url=_url("billing:payment"))


def _notice(account, key: str, to: list[str], template: str, **context) -> list[EmailLog]:
    """A reminder of the billing clock to the owner and billing contacts, in the account's language."""
    context["account"] = account
    return email(
        key=key, account=account, to=to, template=template, context=context, language=account.language
    )


def payment_confirmation_url() -> str:
    """The Payment page's part where the owner confirms a payment their bank held (R12.1)."""
    return _url("billing:payment") + "#payment-confirmation"


def _url(name: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name)
