"""Staff hand an account's ownership over when its owner left (R1.5)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from billing.admin.base import refused
from billing.admin.contracts import staff_action_page
from billing.clock import now_for
from billing.forms import SuccessorForm
from billing.services.members import ownership_successors, ownership_transfer


@admin.action(description=_("Transfer the ownership (owner who left)"), permissions=["change"])
def transfer_ownership(modeladmin, request, queryset):
    """Choose an admin or billing admin of the account; the former owner becomes an admin; both emailed."""
    if queryset.count() != 1:
        messages.error(request, _("Transfer one account at a time."))
        return None
    account = queryset.get()
    successors = ownership_successors(account)
    form = SuccessorForm(request.POST if "apply" in request.POST else None, successors=successors)
    if not form.is_valid():
        if not successors:
            messages.error(request, _("This account has no admin or billing admin to receive the ownership."))
            return None
        return staff_action_page(
            modeladmin,
            request,
            "transfer_ownership",
            _("Transfer the ownership"),
            account=account,
            form=form,
            confirm_label=_("Transfer the ownership"),
            direct=True,
        )
    try:
        successor = ownership_transfer(
            account=account,
            successor_id=form.cleaned_data["successor"],
            by=request.user,
            now=now_for(account),
        )
    except (ValidationError, PermissionDenied, Http404) as error:
        refused(request, error)
    else:
        messages.success(
            request,
            _("%(email)s is now the owner of %(account)s.")
            % {"email": successor.user.email, "account": account},
        )
    return None
