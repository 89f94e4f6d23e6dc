"""R7.4: the final statement — emailed with its PDF when the cancellation takes effect, and previewed on
Billing › Invoices until then. One function says it (billing.selectors.statements.final_statement_facts),
so the preview the owner read is the statement sent."""

import re
from datetime import date

import pytest
from django.core import mail

from accounts.models import Account, User
from billing.lifecycle.tick import billing_tick
from billing.models import FinalStatement
from billing.services.contracts import staff_cancellation_schedule
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from tests.helpers import NOW, pdf_text

pytestmark = pytest.mark.usefixtures("demo")
MANAGED = "Managed Enterprise Inc"
INVOICES = "/admin/account/billing/invoices/"


def scheduled_cancellation() -> Account:
    """Staff record Managed Enterprise's notice, in time: it is cancelled at the end of the term (R7.2). An
    invoice of 1,234.56 is still open: the statement says it is still due."""
    account = Account.objects.get(name=MANAGED)
    draft = invoice_draft(account=account, lines=[LineSpec("Onboarding", 123_456)], now=NOW)
    invoice_finalize(invoice=draft, now=NOW, notify=False)
    staff_cancellation_schedule(
        account=account,
        by=User.objects.get(email="root@staff.test"),
        reason="switching",
        notice_received=date(2026, 11, 2),
        now=NOW,
    )
    return account


def plain(line: str) -> str:
    """Whitespace, incl. Babel's no-break spaces, as single spaces."""
    return re.sub(r"\s+", " ", line).strip()


def preview_lines(client) -> list[str]:
    """The statement quoted on Billing › Invoices, one line per paragraph or product ("- " before those)."""
    html = client.get(INVOICES).content.decode()
    quoted = re.search(r'data-testid="final-statement">(.*?)</blockquote>', html, flags=re.S).group(1)
    lines = []
    for tag, content in re.findall(r"<(p|li)>(.*?)</\1>", quoted, flags=re.S):
        words = plain(re.sub(r"<[^>]+>", "", content))
        lines.append(f"- {words}" if tag == "li" else words)
    return [line.replace("&#x27;", "'").replace("&amp;", "&") for line in lines]


def sent_statement(account: Account, django_capture_on_commit_callbacks):
    """The billing clock reaches the effective date: the statement's email, and its PDF's text."""
    with django_capture_on_commit_callbacks(execute=True):
        billing_tick(real_now=account.subscription.current_period_end)
    (email,) = [m for m in mail.outbox if m.subject.endswith(account.name) and m.attachments]
    ((filename, content, mimetype),) = email.attachments
    assert (filename, mimetype) == ("final-statement.pdf", "application/pdf")
    return email, pdf_text(content)


@pytest.mark.parametrize(
    ("language", "nothing_more", "still_due"),
    [
        ("en", "Nothing more will be charged.", "Still due on earlier invoices"),
        ("fr", "Plus rien ne sera facturé.", "Reste dû sur des factures antérieures"),
    ],
)
def test_r7_4_the_preview_on_billing_invoices_is_the_statement_emailed_with_its_pdf(
    sign_in, django_capture_on_commit_callbacks, language, nothing_more, still_due
):
    account = scheduled_cancellation()
    Account.objects.filter(pk=account.pk).update(language=language)
    account.refresh_from_db()
    preview = preview_lines(sign_in("owner@managed.test"))
    assert preview[-1] == nothing_more and any(line.startswith(still_due) for line in preview)
    assert "- Support Enterprise" in preview or "- Support Entreprise" in preview
    mail.outbox.clear()
    email, pdf = sent_statement(account, django_capture_on_commit_callbacks)
    sent = [plain(line) for line in email.body.splitlines()]
    assert sent[: len(preview)] == preview  # the same sentences, the same figures
    for line in preview:
        assert line in pdf, line
    statement = FinalStatement.objects.get(account=account)
    assert statement.effective_at == account.subscription.current_period_end


def test_r7_4_no_preview_without_a_scheduled_cancellation_nor_once_it_took_effect(
    sign_in, django_capture_on_commit_callbacks
):
    owner = sign_in("owner@managed.test")
    assert 'data-testid="final-statement-preview"' not in owner.get(INVOICES).content.decode()
    account = scheduled_cancellation()
    assert 'data-testid="final-statement-preview"' in owner.get(INVOICES).content.decode()
    sent_statement(account, django_capture_on_commit_callbacks)
    assert Account.objects.get(pk=account.pk).status == Account.Status.CANCELLED
