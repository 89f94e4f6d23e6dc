"""Support requests (R8.10): staff answer requests for invoices (a reply, the invoices concerned, Answered or
Closed) and requests for a temporary reactivation (grant it, or refuse with a reply). The requester is
emailed the answer."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from billing.admin.base import refused
from billing.clock import now_for
from billing.models import Invoice, SupportRequest
from billing.services import support_requests
from billing.services.support import TEMPORARY_REACTIVATION_DAYS

Kind, Status = SupportRequest.Kind, SupportRequest.Status
GRANT, REFUSE = "grant", "refuse"


class SupportRequestAnswerForm(forms.ModelForm):
    answer = forms.ChoiceField(label=_("Answer"), required=False)

    class Meta:
        model = SupportRequest
        fields = ["reply", "invoices"]
        widgets = {"invoices": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.kind == Kind.REACTIVATION:
            self.fields["answer"].choices = [
                ("", "—"),
                (
                    GRANT,
                    _("Grant a temporary reactivation (%(days)s days)")
                    % {"days": TEMPORARY_REACTIVATION_DAYS},
                ),
                (REFUSE, _("Refuse (say why in the reply)")),
            ]
        else:
            self.fields["answer"].choices = [
                ("", "—"),
                *[(s, s.label) for s in (Status.ANSWERED, Status.CLOSED)],
            ]
        if "invoices" in self.fields:
            self.fields["invoices"].queryset = (
                Invoice.objects.filter(account=self.instance.account_id)
                .exclude(status=Invoice.Status.DRAFT)
                .order_by("-issued_at", "-id")
            )
            self.fields["invoices"].help_text = _("The answer points to them; with one, its PDF is attached.")


@admin.register(SupportRequest)
class SupportRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "account", "requested_by", "status", "answered_by"]
    list_filter = ["status", "kind"]
    search_fields = ["account__name", "requested_by__email", "invoice_number"]
    list_select_related = ["account", "requested_by", "answered_by"]
    form = SupportRequestAnswerForm
    asked = [
        "account",
        "kind",
        "requested_by",
        "created_at",
        "period_from",
        "period_to",
        "invoice_number",
        "message",
        "status",
        "answered_by",
        "answered_at",
        "granted_until",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _answerable(self, obj) -> bool:
        if obj is None or obj.status == Status.CLOSED:
            return False
        return obj.kind == Kind.INVOICE_COPY or obj.status == Status.OPEN

    def get_fields(self, request, obj=None):
        answer = ["answer", "reply"] if self._answerable(obj) else ["reply"]
        return [*self.asked, *answer, *(["invoices"] if obj and obj.kind == Kind.INVOICE_COPY else [])]

    def get_readonly_fields(self, request, obj=None):
        if self._answerable(obj):
            return self.asked
        return [*self.asked, "reply", "invoices"]

    def save_model(self, request, obj, form, change):
        answer = form.cleaned_data.get("answer")
        if not answer:
            messages.warning(request, _("Nothing was answered: choose an answer."))
            return
        reply, now = form.cleaned_data.get("reply", ""), now_for(obj.account)
        try:
            if obj.kind == Kind.REACTIVATION:
                support_requests.reactivation_answer(
                    support_request=obj, by=request.user, grant=answer == GRANT, reply=reply, now=now
                )
            else:
                support_requests.invoice_copy_answer(
                    support_request=obj,
                    by=request.user,
                    reply=reply,
                    status=answer,
                    invoices=form.cleaned_data.get("invoices") or [],
                    now=now,
                )
        except (ValidationError, PermissionDenied) as error:
            refused(request, error)

    def save_related(self, request, form, formsets, change):
        """The invoices concerned are the service's to set, with the answer (or not at all if refused)."""
