"""R8.10: the sign-in refusal's request for a temporary reactivation. It is sent without being signed in, so
only a session that gave the owner's right password minutes ago may send it (accounts.access), and it goes
through the sign-in throttle: it can neither probe passwords nor be sent by someone without one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.access import refused_sign_in_user
from accounts.security import sign_in_throttled
from accounts.selectors import membership_for
from billing.clock import now_for
from billing.forms import ReactivationRequestForm
from billing.services.support_requests import reactivation_request as reactivation_request_send

REACTIVATION_REQUESTED = _(
    "Your request for a temporary reactivation was sent to support. The answer will come by email."
)


@require_POST
def reactivation_request(request):
    key = request.POST.get("key", "")
    user = refused_sign_in_user(request, key)
    if user is None:
        return render(request, "billing/support/sign_in_again.html", status=403)
    throttled = sign_in_throttled(request, user.email)
    if throttled is not None:
        return throttled
    membership = membership_for(user)
    form = ReactivationRequestForm(request.POST)
    if membership is None or not form.is_valid():
        context = {
            "offer": request.path,
            "offer_key": key,
            "offer_message": form.data.get("message", ""),
            "offer_errors": [error for errors in form.errors.values() for error in errors],
        }
        return render(request, "billing/support/reactivation.html", context, status=422)
    try:
        reactivation_request_send(membership=membership, now=now_for(membership.account), **form.cleaned_data)
    except PermissionDenied:  # the account changed since the sign-in (reactivated, deleted)
        return render(request, "billing/support/sign_in_again.html", status=403)
    messages.success(request, REACTIVATION_REQUESTED)
    return redirect("accounts:login")
