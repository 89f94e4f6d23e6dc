"""Billing › Billing history (R9.3, R9.4): the account's billing events as people read them."""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator

from accounts.models import Account
from billing.event_words import event_actor, event_sentence
from billing.models import BillingEvent

PAGE_SIZE = 25


@dataclass(frozen=True)
class HistoryEntry:
    """One event for the owner's page: its kind's label, the sentence, who acted, when and how much — never
    the stored summary, JSON or references (staff read those in the Django admin)."""

    kind: str  # kept for the filter and the page's data attribute, never shown
    title: str
    sentence: str
    actor: str
    occurred_at: datetime
    amount: int | None
    currency: str


def billing_history(account: Account, kind: str | None = None):
    """Every billing event of the account, newest first, of one kind or all, with who acted (one join: the
    page says "Support" for staff without a query per row)."""
    events = BillingEvent.objects.filter(account=account).select_related("actor")
    return events.filter(kind=kind) if kind else events


def billing_history_page(account: Account, kind: str | None, number) -> Page:
    """One page of the account's history (25 events), in words in the active language."""
    page = Paginator(billing_history(account, kind), PAGE_SIZE).get_page(number)
    page.object_list = [
        HistoryEntry(
            kind=event.kind,
            title=str(event.kind_label),
            sentence=event_sentence(event, account.currency),
            actor=event_actor(event),
            occurred_at=event.occurred_at,
            amount=event.amount,
            currency=event.currency or account.currency,
        )
        for event in page.object_list
    ]
    return page
