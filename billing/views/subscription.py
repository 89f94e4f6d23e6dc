"""The Subscription page (R3), the change requests of online-assisted admins (R2.4), and "Keep my
subscription" (R5.9)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import require_action
from accounts.policy import Action, allowed
from billing.clock import now_for
from billing.forms import ChangeRequestForm, KeepForm
from billing.selectors.banners import endings_of
from billing.selectors.subscription import subscription_overview
from billing.services import cancellations, change_requests

REQUEST_SENT = gettext_lazy("Your request was sent to support. Its status shows below.")
KEPT = gettext_lazy("Your subscription is kept: nothing that was scheduled to end will end.")
CHOOSE_A_CANCELLATION = gettext_lazy("Choose a scheduled cancellation on the page.")
INVALID_FORM_STATUS = 422  # htmx is configured (base.html) to swap 422 responses so errors show in place
CONFLICT = 409  # kept already, or too late to keep


def _subscription_page(request, *, form=None, status=200, request_sent=False):
    account = request.membership.account
    can_request = Action.REQUEST_CHANGES in allowed(request.membership)
    overview = subscription_overview(
        account, now=now_for(account), with_requests_of=request.user if can_request else None
    )
    context = {
        "overview": overview,
        "form": form or ChangeRequestForm(),
        "request_sent": request_sent,
        "scheduled_endings": endings_of(overview.scheduled) if overview else [],  # the banner's
    }
    template = "billing/subscription/page.html"
    if request.htmx and form is not None:
        template += "#change_requests"
    return render(request, template, context, status=status)


@require_action(Action.VIEW_SUBSCRIPTION)
@require_safe
def subscription(request):
    """The Subscription page (R3)."""
    return _subscription_page(request)


@require_POST
@require_action(Action.REQUEST_CHANGES)
def change_request_create(request):
    """R2.4: a non-billing admin of an online-assisted account asks support for a change."""
    form = ChangeRequestForm(request.POST)
    if not form.is_valid():
        return _subscription_page(request, form=form, status=INVALID_FORM_STATUS)
    account = request.membership.account
    change_requests.change_request_create(
        membership=request.membership, now=now_for(account), **form.cleaned_data
    )
    if request.htmx:
        return _subscription_page(request, form=ChangeRequestForm(), request_sent=True)
    messages.success(request, REQUEST_SENT)
    return redirect("billing:subscription")


@require_POST
@require_action(Action.REMOVE_PRODUCTS)
def subscription_keep(request):
    """R5.9 "Keep my subscription" (on this page and in the banner of every page): the owner withdraws
    the removals or the cancellation they confirmed, until it takes effect. A plain form: no JS needed."""
    form = KeepForm(request.POST)
    if not form.is_valid():
        messages.error(request, CHOOSE_A_CANCELLATION)
        return _subscription_page(request, status=INVALID_FORM_STATUS)
    account = request.membership.account
    try:
        cancellations.cancellation_withdraw(
            membership=request.membership,
            cancellation_id=form.cleaned_data["cancellation"],
            now=now_for(account),
        )
    except cancellations.AlreadyKept as replay:
        messages.info(request, str(replay))
        return _subscription_page(request, status=CONFLICT)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _subscription_page(request, status=CONFLICT)
    messages.success(request, KEPT)
    return redirect("billing:subscription")
