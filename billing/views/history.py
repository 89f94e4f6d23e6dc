"""Billing › Billing history (R9.3, R9.4): every billing event of the account in words, newest first."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.decorators import require_action
from accounts.policy import Action
from billing.forms import HistoryFilterForm
from billing.selectors.history import billing_history_page


@require_action(Action.VIEW_BILLING_HISTORY)
@require_safe
def billing_history(request):
    """Every billing event of the account, newest first, 25 a page, filterable by kind."""
    form = HistoryFilterForm(request.GET)
    kind = form.cleaned_data["kind"] if form.is_valid() else None
    page = billing_history_page(request.membership.account, kind or None, request.GET.get("page"))
    return render(request, "billing/history/list.html", {"events": page, "form": form, "kind": kind or ""})
