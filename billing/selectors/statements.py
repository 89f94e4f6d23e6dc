"""The final statement (R7.4): what ends and when, the refunds, what is still due, and that nothing more will
be charged. ONE function says it — `final_statement_facts` — for the statement issued when the cancellation
takes effect (billing.services.contracts.cancel_account_now) and for its preview on Billing › Invoices until
then; `statement_text` words it once for the email, its PDF and the page, so the three never disagree."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, Sum
from django.utils.translation import gettext

from accounts.models import Account
from billing.models import FinalStatement, Invoice, ScheduledChange, SubscriptionItem
from billing.money import format_day, format_money


@dataclass(frozen=True)
class Refund:
    number: str  # the credit note's
    total: int
    currency: str


@dataclass(frozen=True)
class StatementFacts:
    account_name: str
    effective_at: datetime
    ended: tuple[str, ...]  # "Product Edition", in the language they were read in
    refunds: tuple[Refund, ...]
    balance_due: int  # open invoices, in the account's currency
    currency: str


def final_statement_facts(account: Account, *, at: datetime, credit_notes=()) -> StatementFacts:
    """What the final statement of a cancellation taking effect `at` says, read now: the products running
    then — those still running, and those whose removal takes effect the same day — and the invoices still
    open. A removal that takes effect before `at` is not among them: the statement will not list it."""
    removed_before = ScheduledChange.objects.pending().filter(
        account=account, kind=ScheduledChange.Kind.REMOVE_ITEM, effective_at__lt=at
    )
    items = (
        SubscriptionItem.objects.filter(subscription__account=account)
        .filter(Q(ended_at=None) | Q(ended_at__gte=at))
        .exclude(pk__in=removed_before.values("item_id"))
        .select_related("product")
        .order_by("product__name", "pk")
    )
    due = Invoice.objects.filter(account=account, kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN)
    return StatementFacts(
        account_name=account.name,
        effective_at=at,
        ended=tuple(f"{item.product.name} {item.edition_label}" for item in items),
        refunds=tuple(Refund(note.number, note.total, note.currency) for note in credit_notes),
        balance_due=due.aggregate(total=Sum("total"))["total"] or 0,
        currency=account.currency,
    )


def facts_of(statement: FinalStatement) -> StatementFacts:
    """An issued statement's facts, as it froze them."""
    account = statement.account
    return StatementFacts(
        account_name=account.name,
        effective_at=statement.effective_at,
        ended=tuple(statement.ended),
        refunds=tuple(
            Refund(note.number, note.total, note.currency) for note in statement.credit_notes.order_by("pk")
        ),
        balance_due=statement.balance_due,
        currency=account.currency,
    )


def final_statement_preview(account: Account, cancels_at: datetime | None) -> StatementFacts | None:
    """R7.4 on Billing › Invoices: until the account's pending cancellation takes effect (`cancels_at`, as
    the banner read it), what its statement will say; None without one."""
    if cancels_at is None or account.status != Account.Status.ACTIVE:
        return None
    return final_statement_facts(account, at=cancels_at)


@dataclass(frozen=True)
class StatementText:
    title: str
    cancelled: str
    ended_heading: str
    ended: tuple[str, ...]
    refunds: tuple[str, ...]
    due: str  # "" when nothing is due
    nothing_more: str

    @property
    def lines(self) -> list[str]:
        """The statement as plain lines: the email's body, the PDF's paragraphs, the preview's."""
        ended = [f"- {product}" for product in self.ended]
        return [
            self.cancelled,
            self.ended_heading,
            *ended,
            *self.refunds,
            *filter(None, [self.due]),
            self.nothing_more,
        ]


def statement_text(facts: StatementFacts) -> StatementText:
    """The statement's sentences in the active language (the account's, for the email and the PDF)."""
    due = ""
    if facts.balance_due:
        due = gettext("Still due on earlier invoices: %(total)s.") % {
            "total": format_money(facts.balance_due, facts.currency)
        }
    return StatementText(
        title=gettext("Final statement"),
        cancelled=gettext("%(account)s is cancelled from %(date)s.")
        % {"account": facts.account_name, "date": format_day(facts.effective_at, "long")},
        ended_heading=gettext("What ended:"),
        ended=facts.ended or (gettext("The subscription."),),
        refunds=tuple(
            gettext("Refund: %(total)s (credit note %(number)s).")
            % {"total": format_money(refund.total, refund.currency), "number": refund.number}
            for refund in facts.refunds
        ),
        due=due,
        nothing_more=gettext("Nothing more will be charged."),
    )
