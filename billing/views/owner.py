"""Account › Billing › Account owner (R1.5): the owner hands the ownership to an admin or a billing admin."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import require_action
from accounts.policy import Action
from billing.clock import now_for
from billing.forms import OwnershipTransferForm
from billing.services.members import ownership_successors, ownership_transfer

TRANSFERRED = _("%(email)s is now the account owner. You are an admin of the account.")
INVALID = 422


@require_http_methods(["GET", "HEAD", "POST"])
@require_action(Action.TRANSFER_OWNERSHIP)
def ownership(request):
    account = request.membership.account
    successors = ownership_successors(account)
    form = OwnershipTransferForm(request.POST or None, successors=successors)
    if request.method == "POST" and form.is_valid():
        try:
            successor = ownership_transfer(
                account=account,
                successor_id=form.cleaned_data["successor"],
                by=request.user,
                now=now_for(account),
            )
        except ValidationError as error:  # their role changed since the page was shown
            form.add_error("successor", error)
        else:
            messages.success(request, TRANSFERRED % {"email": successor.user.email})
            return redirect("billing:home")
    status = INVALID if request.method == "POST" else 200
    return render(request, "billing/owner/page.html", {"form": form, "successors": successors}, status=status)
