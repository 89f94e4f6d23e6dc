"""The cancellation journey (R4, R5): thin views over `billing.selectors.cancellations` and its services."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import require_action
from accounts.policy import Action
from billing.clock import now_for
from billing.forms import AccountCancelForm, ItemForm, RemovalConfirmForm
from billing.money import format_day
from billing.quotes import cheaper_alternatives
from billing.selectors.banners import endings_of
from billing.selectors.cancellations import cancellation_page, pending_spp_downgrade
from billing.selectors.catalog import catalog_for
from billing.selectors.changes import change_state
from billing.selectors.subscription import change_requests_of, load_subscription
from billing.services import cancellations as services
from billing.services import change_requests

INVALID = 422  # a form or a selection that cannot be accepted; htmx swaps it in place (base.html)
CONFLICT = 409  # a replayed or stale confirmation
CHOOSE_FROM_LIST = _("Choose a product from the list.")
REMOVALS_CONFIRMED = _("Cancellations confirmed. The products stay active until %(date)s.")
DOWNGRADE_REQUESTED = _(
    "Your request to downgrade to Support only was sent to support. Its status shows below."
)
DOWNGRADE_ALREADY_REQUESTED = _(
    "You already asked support to downgrade to Support only, on %(date)s. Support will answer that request."
)


def _page(request):
    account = request.membership.account
    return cancellation_page(account, now=now_for(account))


def _page_with_alternatives(request, *, of_selected: bool = False):
    """The page and its cheaper alternatives (R7.5) — for the selected products only, or for the whole
    subscription — from one load of the subscription."""
    account = request.membership.account
    now = now_for(account)
    loaded = load_subscription(account, now=now)
    if loaded is None:  # the page says there is nothing to cancel
        return cancellation_page(account, now=now), []
    catalog = catalog_for(account.currency, products=loaded.products)
    page = cancellation_page(account, now=now, loaded=loaded, catalog=catalog)
    if page.block is not None or (of_selected and not page.selected):
        return page, []
    selected = {item.pk for item in page.selected} if of_selected else None
    state = change_state(account, now=now, loaded=loaded, catalog=catalog)
    return page, cheaper_alternatives(state, now=now, item_ids=selected)


def _render_list(request, *, error=None, status=200):
    template = "billing/cancellations/list.html" + (
        "#cancellation_panel" if request.htmx and request.method == "POST" else ""
    )
    page = _page(request)
    context = {"page": page, "error": error, "scheduled_endings": endings_of(page.pending)}
    if page.is_spp:  # R4.8: the pending request replaces the button until support decides it
        pending = pending_spp_downgrade(page.account)
        context["downgrade_request"] = pending
        context["requests"] = [r for r in change_requests_of(page.account, request.user) if r != pending]
    return render(request, template, context, status=status)


@require_action(Action.REMOVE_PRODUCTS)
@require_safe
def cancellation_list(request):
    """R4.3: the products that can be cancelled, the selection and its summary."""
    return _render_list(request)


def _change_selection(request, service):
    form = ItemForm(request.POST)
    if not form.is_valid():
        return _render_list(request, error=CHOOSE_FROM_LIST, status=INVALID)
    account = request.membership.account
    try:
        service(membership=request.membership, item_id=form.cleaned_data["item"], now=now_for(account))
    except ValidationError as error:
        return _render_list(request, error=" ".join(error.messages), status=INVALID)
    if request.htmx:
        return _render_list(request)
    return redirect("billing:cancellations")


@require_POST
@require_action(Action.REMOVE_PRODUCTS)
def cancellation_select(request):
    return _change_selection(request, services.cancellation_draft_select)


@require_POST
@require_action(Action.REMOVE_PRODUCTS)
def cancellation_unselect(request):
    return _change_selection(request, services.cancellation_draft_unselect)


def _render_review(request, page, alternatives, form, status=200):
    context = {
        "page": page,
        "form": form,
        "alternatives": alternatives,
        "scheduled_endings": endings_of(page.pending),
    }
    return render(request, "billing/cancellations/review.html", context, status=status)


@require_action(Action.REMOVE_PRODUCTS)
@require_safe
def cancellation_review(request):
    """R4.4, R4.5: each product with its effective date and prices, the warnings, and the survey."""
    page, alternatives = _page_with_alternatives(request, of_selected=True)
    if page.summary is None:
        messages.info(request, services.NOTHING_SELECTED)
        return redirect("billing:cancellations")
    return _render_review(
        request, page, alternatives, RemovalConfirmForm(initial={"token": page.draft.token})
    )


def _already_confirmed(request, error):
    cancellation = getattr(error, "cancellation", None)
    return render(
        request,
        "billing/cancellations/conflict.html",
        {"cancellation": cancellation, "message": str(error)},
        status=CONFLICT,
    )


@require_POST
@require_action(Action.REMOVE_PRODUCTS)
def cancellation_confirm(request):
    """ "Confirm cancellations" (R4.4, R4.12): schedules the removals once."""
    form = RemovalConfirmForm(request.POST)
    if not form.is_valid():
        return _render_review(
            request, *_page_with_alternatives(request, of_selected=True), form, status=INVALID
        )
    account = request.membership.account
    try:
        cancellation = services.product_removal_schedule(
            membership=request.membership,
            token=form.cleaned_data["token"],
            reason=form.cleaned_data["reason"],
            explanation=form.cleaned_data["explanation"],
            acknowledged=set(form.cleaned_data["acknowledge"]),
            now=now_for(account),
        )
    except (services.AlreadyConfirmed, services.StaleConfirmation) as error:
        return _already_confirmed(request, error)
    except ValidationError as error:
        form.add_error(None, error)
        return _render_review(
            request, *_page_with_alternatives(request, of_selected=True), form, status=INVALID
        )
    messages.success(request, REMOVALS_CONFIRMED % {"date": format_day(cancellation.effective_at, "long")})
    return redirect("billing:subscription")


@require_action(Action.CANCEL_ACCOUNT)
@require_safe
def account_cancel(request):
    """R5.2: a confirmation that states the effective date, before the survey; R7.5: cheaper options first."""
    page, alternatives = _page_with_alternatives(request)
    context = {
        "page": page,
        "alternatives": alternatives,
        "scheduled_endings": endings_of(page.pending),
        "removable": [c for c in page.candidates if c.not_removable is None]
        if len(page.candidates) > 1
        else [],
    }
    return render(request, "billing/cancellations/account_cancel.html", context)


@require_action(Action.CANCEL_ACCOUNT)
@require_safe
def account_cancel_survey(request):
    page = _page(request)
    if page.block is not None:
        return redirect("billing:account_cancel")
    form = AccountCancelForm(initial={"token": uuid.uuid4()})
    context = {"page": page, "form": form, "scheduled_endings": endings_of(page.pending)}
    return render(request, "billing/cancellations/account_cancel_survey.html", context)


@require_POST
@require_action(Action.CANCEL_ACCOUNT)
def account_cancel_confirm(request):
    form = AccountCancelForm(request.POST)
    if not form.is_valid():
        context = {"page": _page(request), "form": form}
        return render(request, "billing/cancellations/account_cancel_survey.html", context, status=INVALID)
    account = request.membership.account
    try:
        services.account_cancellation_schedule(
            membership=request.membership,
            now=now_for(account),
            token=form.cleaned_data["token"],
            reason=form.cleaned_data["reason"],
            explanation=form.cleaned_data["explanation"],
        )
    except services.AlreadyConfirmed as error:
        return _already_confirmed(request, error)
    # No flash message: the cancellation banner of every page (components/banners.html) already says it,
    # and saying it twice on the page the owner lands on reads as two events.
    return redirect("billing:subscription")


@require_POST
@require_action(Action.REMOVE_PRODUCTS)
def spp_downgrade_request(request):
    """R4.8: "Contact support to downgrade to Support only" creates a request for staff."""
    account = request.membership.account
    now = now_for(account)
    try:
        sent, made_now = change_requests.spp_downgrade_request(membership=request.membership, now=now)
    except ValidationError as error:
        return _render_list(request, error=" ".join(error.messages), status=INVALID)
    if not made_now:  # a second POST: the pending request is returned, nothing is recorded
        messages.info(request, DOWNGRADE_ALREADY_REQUESTED % {"date": format_day(sent.created_at, "long")})
    else:
        messages.success(request, DOWNGRADE_REQUESTED)
    return redirect("billing:cancellations")
