"""R10.1 and issue 19: every email speaks its recipient's language — their own choice, else the account's
(or the invoice's) — and carries an HTML part, branded like the app, made from its text."""

import pytest
from django.core import mail
from django.utils import translation

from accounts.models import Account, User
from billing import emails
from billing.models import BillingContact, EmailLog
from billing.outbox import html_part
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from tests.email_parts import assert_same_facts, html_of, readable
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import NOW


@pytest.fixture
def account(db):
    owner = MembershipFactory(owner=True, user__email="owner@lang.test", account__language="en")
    return owner.account


def contact(account, address):
    BillingContact.objects.create(account=account, email=address, created_at=NOW)


def suspended(account, key="suspended-1"):
    context = {"account": account, "deletion_at": account.created_on}
    return emails.send_once(key=key, account=account, template="suspended", context=context)


def subject_in(language, account) -> str:
    with translation.override(language):
        email = emails.email(
            key="x",
            account=account,
            to=["nobody@lang.test"],
            template="suspended",
            context={"account": account, "deletion_at": account.created_on},
            language=language,
        )
    return email[0].subject


def test_r10_1_each_person_gets_the_email_in_their_language(account, django_capture_on_commit_callbacks):
    User.objects.filter(email="owner@lang.test").update(language="fr")
    contact(account, "accounts-payable@lang.test")  # nobody's user: the account's language
    contact(account, "Colleague@Lang.test")  # a person who chose French, typed with capitals
    UserFactory(email="colleague@lang.test", language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        assert suspended(account) is True
    written = {e.key: (e.language, e.recipients) for e in EmailLog.objects.filter(account=account)}
    assert written == {
        "suspended-1": ("en", "accounts-payable@lang.test"),  # the account's language keeps the key
        "suspended-1~fr": ("fr", "owner@lang.test, Colleague@Lang.test"),
    }
    by_subject = {message.subject: sorted(message.to) for message in mail.outbox}
    assert by_subject == {
        subject_in("en", account): ["accounts-payable@lang.test"],
        subject_in("fr", account): ["Colleague@Lang.test", "owner@lang.test"],
    }
    assert subject_in("en", account) != subject_in("fr", account)
    for message in mail.outbox:
        language = "fr" if "owner@lang.test" in message.to else "en"
        assert f'<html lang="{language}">' in html_of(message)


def test_r10_1_without_a_choice_the_email_speaks_the_accounts_language(account):
    Account.objects.filter(pk=account.pk).update(language="fr")
    account.refresh_from_db()
    contact(account, "accounts-payable@lang.test")
    suspended(account)
    (only,) = EmailLog.objects.filter(account=account)
    assert (only.key, only.language) == ("suspended-1", "fr")
    assert only.recipients == "owner@lang.test, accounts-payable@lang.test"


def test_r10_1_the_key_is_written_first_whatever_the_languages_and_never_twice(account):
    User.objects.filter(email="owner@lang.test").update(language="fr")  # nobody speaks the account's
    assert suspended(account) is True
    assert suspended(account) is False  # R9.1: a rerun writes nothing
    written = EmailLog.objects.filter(account=account).values_list("key", "language")
    assert dict(written) == {"suspended-1": "fr"}


def test_r10_1_the_clocks_batches_read_the_languages_with_the_recipients(account, django_assert_num_queries):
    User.objects.filter(email="owner@lang.test").update(language="fr")
    contact(account, "colleague@lang.test")
    UserFactory(email="colleague@lang.test", language="en")
    with django_assert_num_queries(2):
        (recipients,) = emails.invoice_recipients_of([account]).values()
    assert [(str(r), r.language) for r in recipients] == [
        ("owner@lang.test", "fr"),
        ("colleague@lang.test", "en"),
    ]
    with django_assert_num_queries(0):  # already known: no lookup
        assert list(emails.by_language(recipients, default="en")) == ["en", "fr"]


@pytest.mark.usefixtures("demo")
def test_r10_1_an_invoice_goes_to_each_in_their_language_with_its_pdf(django_capture_on_commit_callbacks):
    acme = Account.objects.get(name="Acme Self-Service")
    User.objects.filter(email="owner@acme.test").update(language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        draft = invoice_draft(account=acme, lines=[LineSpec("Seats", 12_345)], now=NOW)
        invoice = invoice_finalize(invoice=draft, now=NOW, notify=True)
    french = [m for m in mail.outbox if m.to == ["owner@acme.test"]]
    others = [m for m in mail.outbox if "owner@acme.test" not in m.to]
    assert len(french) == 1 and len(others) == 1 and others[0].to  # the billing contacts, in English
    assert (
        french[0].subject == f"Facture {invoice.number}" and others[0].subject == f"Invoice {invoice.number}"
    )
    for message in mail.outbox:  # each has its PDF (the invoice's document, in the invoice's language)
        ((name, content, mimetype),) = message.attachments
        assert (name, mimetype) == (f"{invoice.number}.pdf", "application/pdf") and content.startswith(
            b"%PDF"
        )
        assert_same_facts(message)


# --- The HTML part (issue 19) ----------------------------------------------------------------------------


def test_the_html_part_escapes_the_text_keeps_its_lines_and_links_its_addresses(db):
    email = EmailLog(
        subject="Export <ready> & waiting",
        body="Hello <b>Ann</b> & co,\nyour file: https://billing.test/export/?a=1&b=2\n\n\nTotal: €1.5\n",
        language="fr",
    )
    html = html_part(email)
    assert "&lt;b&gt;Ann&lt;/b&gt; &amp; co,<br>" in html and "<b>Ann" not in html
    assert '<a href="https://billing.test/export/?a=1&amp;b=2"' in html
    assert "Export &lt;ready&gt; &amp; waiting" in html
    assert '<html lang="fr">' in html and "Centre d’administration · Facturation" in html
    assert readable(html) == (
        "Export <ready> & waiting",
        "Hello <b>Ann</b> & co, your file: https://billing.test/export/?a=1&b=2 Total: €1.5",
    )
    assert 'style="' in html and "<script" not in html  # inline styles: mail clients drop style sheets


def test_r10_1_text_is_sent_as_typed_and_its_html_part_escaped_once(
    account, django_capture_on_commit_callbacks
):
    """The text part is not HTML: "R&D's <Lab>" is sent as typed, and escaped exactly once in the HTML part
    (plain-text email templates render without autoescaping, the "text" template engine)."""
    account.name = "R&D's <Lab>"
    account.save(update_fields=["name"])
    with django_capture_on_commit_callbacks(execute=True):
        suspended(account)
    (message,) = mail.outbox
    assert "R&D's <Lab> was cancelled for non-payment" in message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body
    html = html_of(message)
    assert "R&amp;D&#x27;s &lt;Lab&gt; was cancelled" in html and "&amp;amp;" not in html


def test_r10_1_a_persons_language_is_found_whatever_the_case_of_their_address(account):
    UserFactory(email="Billing@Lang.test", language="fr")  # capitals, as staff may type them in /staff/
    assert emails.by_language(["billing@lang.test", "owner@lang.test"], default="en") == {
        "en": ["owner@lang.test"],
        "fr": ["billing@lang.test"],
    }
    contact(account, "billing@lang.test")
    assert [(str(r), r.language) for r in emails.invoice_recipients(account)] == [
        ("owner@lang.test", ""),
        ("billing@lang.test", "fr"),
    ]
