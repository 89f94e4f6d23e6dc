"""The Manage page (R6): thin views over `billing.quotes` and `billing.services.changes`."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import require_action, require_manage_access
from accounts.policy import Action, Capabilities
from billing import wording
from billing.clock import now_for
from billing.forms import ChangeForm, MemberRoleForm
from billing.models import Edition
from billing.money import format_day, format_money
from billing.selectors.banners import endings_of
from billing.selectors.changes import change_state, members_by_role
from billing.services import changes as services
from billing.services.members import billing_admin_set

INVALID, CONFLICT = 422, 409
CONFIRMED = _("Change confirmed.")
CHARGED = _("%(amount)s is charged now.")
FROM_NEXT_PERIOD = _("It applies from %(date)s.")
UNDONE = _("The pending change was undone.")
ROLE_CHANGED = _("%(email)s is now %(role)s.")


def _render(request, *, preview=None, signed=None, error=None, status=200, state=None):
    """The Manage page, or with htmx only its preview (which needs no state)."""
    context = {"preview": preview, "signed": signed, "error": error}
    if request.htmx and request.method == "POST":
        return render(request, "billing/changes/manage.html#manage_preview", context, status=status)
    account, membership = request.membership.account, request.membership
    can = Capabilities(membership)
    state = state or change_state(account, now=now_for(account))
    context |= {
        "state": state,
        "scheduled_endings": endings_of(state.scheduled) if state else [],  # the banner's
        "editions": Edition.choices,
    }
    if state is not None and (can.upgrade_edition or can.downgrade_edition):
        # R3.7: a line none of whose editions can be chosen has no place in the Editions card
        options = (
            (
                line,
                wording.edition_options(
                    state, line, upgrade=can.upgrade_edition, downgrade=can.downgrade_edition
                ),
            )
            for line in state.lines
        )
        context["edition_lines"] = [(line, choices) for line, choices in options if choices]
    if can.create_billing_admins:
        context["members"] = members_by_role(account)
    return render(request, "billing/changes/manage.html", context, status=status)


def _errors(form) -> str:
    return " ".join(
        f"{form.fields[name].label or name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
        for name, errors in form.errors.items()
    )


@require_manage_access
@require_safe
def manage_page(request):
    """R6.1: only the changes R2 allows this account and user."""
    return _render(request)


@require_POST
@require_manage_access
def manage_preview(request):
    """R6.3: what a change does and costs, before it is confirmed."""
    form = ChangeForm(request.POST)
    if not form.is_valid():
        return _render(request, error=_errors(form), status=INVALID)
    account = request.membership.account
    now = now_for(account)
    state = change_state(account, now=now)
    try:
        quote, signed = services.subscription_change_preview(
            membership=request.membership, spec=form.spec(), now=now, state=state
        )
    except ValidationError as error:
        return _render(request, error=" ".join(error.messages), status=INVALID, state=state)
    return _render(request, preview=quote, signed=signed, state=state)


@require_POST
@require_manage_access
def manage_confirm(request):
    account = request.membership.account
    now = now_for(account)
    try:
        quote = services.subscription_change_confirm(
            membership=request.membership, signed=request.POST.get("quote", ""), now=now
        )
    except services.StaleQuote as stale:
        if stale.quote is None:
            return _render(request, error=str(stale), status=CONFLICT)
        fresh, signed = services.subscription_change_preview(
            membership=request.membership, spec=stale.quote.spec, now=now
        )
        return _render(request, preview=fresh, signed=signed, error=str(stale), status=CONFLICT)
    except services.AlreadyApplied as error:
        return _render(request, error=str(error), status=CONFLICT)
    except ValidationError as error:
        return _render(request, error=" ".join(error.messages), status=INVALID)
    parts = [str(CONFIRMED)]
    if quote.charge_now:
        parts.append(str(CHARGED % {"amount": format_money(quote.charge_now, quote.currency)}))
    if quote.effective_at:
        parts.append(str(FROM_NEXT_PERIOD % {"date": format_day(quote.effective_at, "long")}))
    messages.success(request, " ".join(parts))
    return redirect("billing:manage")


@require_POST
@require_manage_access
def manage_undo(request):
    """Pending changes for the next period can be undone before they apply."""
    try:
        change_id = int(request.POST.get("change", ""))
    except ValueError:
        return _render(request, error=_("Choose a pending change from the list."), status=INVALID)
    account = request.membership.account
    try:
        services.scheduled_change_undo(
            membership=request.membership, change_id=change_id, now=now_for(account)
        )
    except ValidationError as error:
        return _render(request, error=" ".join(error.messages), status=INVALID)
    messages.success(request, UNDONE)
    return redirect("billing:manage")


@require_POST
@require_action(Action.CREATE_BILLING_ADMINS)
def billing_admins(request):
    """R6.4: the owner grants or revokes the billing-admin role."""
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        return _render(request, error=_("Choose a member from the list."), status=INVALID)
    account = request.membership.account
    try:
        member = billing_admin_set(
            membership=request.membership,
            member_id=form.cleaned_data["member"],
            grant=form.cleaned_data["grant"],
            now=now_for(account),
        )
    except ValidationError as error:
        return _render(request, error=" ".join(error.messages), status=INVALID)
    messages.success(request, ROLE_CHANGED % {"email": member.user.email, "role": member.get_role_display()})
    return redirect("billing:manage")
