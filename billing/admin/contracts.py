"""Contract actions of staff on an account (R7): cancel a sales-assisted account under the notice rule, or
terminate a prepaid term early with a refund — each previewed before it is confirmed."""

from datetime import UTC, date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from billing.admin.base import refused
from billing.admin.money import AmountField, MoneyFormMixin
from billing.clock import now_for
from billing.forms import REASON_CHOICES
from billing.models import ContractTerms
from billing.selectors.contracts import contract_for, notice_decision
from billing.selectors.subscription import next_invoice_of
from billing.services.contracts import (
    early_termination,
    notice_in_the_future,
    staff_cancellation_schedule,
    termination_preview,
)


class StaffCancellationForm(forms.Form):
    """R7.2: the customer's reason (staff choose it: none is preselected) and the day their notice arrived,
    which cannot be later than the account's today."""

    reason = forms.ChoiceField(label=_("Reason"), choices=REASON_CHOICES)
    notice_received = forms.DateField(
        label=_("Notice received on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day the customer's written notice arrived."),
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_notice_received(self):
        received = self.cleaned_data["notice_received"]
        if received > self.today:
            raise notice_in_the_future(self.today)
        return received


class ContractTermsForm(MoneyFormMixin, forms.ModelForm):
    early_termination_fee = AmountField(
        label=_("early termination fee"),
        allow_zero=True,
        help_text=_("In the account's currency, e.g. 1,000.00; 0 for none."),
    )

    class Meta:
        model = ContractTerms
        fields = ["service_started_at", "auto_renew", "notice_days", "refund_policy", "early_termination_fee"]

    def known_currency(self) -> str:
        return self.instance.account.currency if self.instance.account_id else ""


class ContractTermsInline(admin.StackedInline):
    model = ContractTerms
    form = ContractTermsForm
    can_delete = False
    extra = 0
    fields = ["service_started_at", "auto_renew", "notice_days", "refund_policy", "early_termination_fee"]


def staff_action_page(modeladmin, request, action: str, title, **context):
    return TemplateResponse(
        request,
        "admin/accounts/account/staff_action.html",
        {**modeladmin.admin_site.each_context(request), "title": title, "action": action, **context},
    )


@admin.action(description=_("Cancel with notice (sales-assisted accounts)"))  # R7.2
def cancel_with_notice(modeladmin, request, queryset):
    """A form (reason, notice received), then the effective date and why, then confirmation."""
    if queryset.count() != 1:
        messages.error(request, _("Cancel one account at a time."))
        return None
    account = queryset.select_related("subscription").get()
    form = StaffCancellationForm(
        request.POST if "preview" in request.POST or "apply" in request.POST else None,
        today=now_for(account).astimezone(UTC).date(),
    )
    title = _("Cancel with notice")
    if not form.is_valid() or not hasattr(account, "subscription"):
        return staff_action_page(modeladmin, request, "cancel_with_notice", title, account=account, form=form)
    received, reason = form.cleaned_data["notice_received"], form.cleaned_data["reason"]
    if "apply" in request.POST:
        try:
            cancellation = staff_cancellation_schedule(
                account=account,
                by=request.user,
                reason=reason,
                notice_received=received,
                now=now_for(account),
            )
        except (ValidationError, PermissionDenied) as error:
            refused(request, error)
        else:
            messages.success(
                request,
                _("%(account)s is cancelled from %(date)s.")
                % {"account": account, "date": f"{cancellation.effective_at:%Y-%m-%d}"},
            )
        return None
    decision = notice_decision(account.subscription, contract_for(account), received)
    return staff_action_page(
        modeladmin,
        request,
        "cancel_with_notice",
        title,
        account=account,
        form=form,
        decision=decision,
        confirm_label=_("Confirm the cancellation"),
    )


@admin.action(description=_("Terminate early with a refund"))  # R7.3
def terminate_early(modeladmin, request, queryset):
    """The refund previewed first, with its moment signed in the page; confirmed, the account is cancelled
    now and the credit note refunds what the preview showed (R6.5)."""
    if queryset.count() != 1:
        messages.error(request, _("Terminate one account at a time."))
        return None
    account = queryset.select_related("subscription").get()
    now = now_for(account)
    if "apply" in request.POST:
        try:
            signed = request.POST.get("termination", "")
            statement = early_termination(account=account, by=request.user, signed=signed, now=now)
        except (ValidationError, PermissionDenied) as error:
            refused(request, error)
        else:
            messages.success(
                request,
                _("%(account)s is cancelled; final statement issued.") % {"account": statement.account},
            )
        return None
    if not hasattr(account, "subscription"):
        messages.error(request, _("This account has no subscription."))
        return None
    quote, signed = termination_preview(account, now=now)
    return staff_action_page(
        modeladmin,
        request,
        "terminate_early",
        _("Terminate early"),
        account=account,
        quote=quote,
        signed=signed,
        next_invoice=next_invoice_of(account, now=now),
        confirm_label=_("Terminate and refund"),
    )
