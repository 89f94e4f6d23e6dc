"""Scheduled changes, reinstated by staff before they apply (R4.11, R5.8), and the change requests of
online-assisted admins, decided by staff (R2.4)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from billing.admin.base import ReadOnlyInline, refused
from billing.clock import now_for
from billing.forms import WholeNumberField
from billing.models import Edition, Product, ScheduledChange, SubscriptionChangeRequest, SubscriptionItem
from billing.quotes import MAX_SEATS
from billing.selectors.changes import ChangeKind, ChangeSpec
from billing.services import change_requests, scheduled_changes
from billing.services.changes import StaleQuote, quote_unsign

CHECK_THE_PREVIEW = _("Check what the change charges below, then save again to approve and apply it.")


def reinstate(request, changes) -> None:
    """Withdraw scheduled removals or cancellations (R4.11, R5.8) through the service, with a message each."""
    for change in changes:
        try:
            revoked = scheduled_changes.scheduled_change_revoke(
                change=change, by=request.user, now=now_for(change.account)
            )
        except (ValidationError, PermissionDenied) as error:
            refused(request, error, change)
        else:
            messages.success(request, _("Reinstated: %s") % ", ".join(str(c) for c in revoked))


@admin.register(ScheduledChange)
class ScheduledChangeAdmin(admin.ModelAdmin):
    list_display = ["account", "kind", "item", "effective_at", "created_by", "applied_at", "revoked_at"]
    list_filter = ["kind", "applied_at", "revoked_at"]
    search_fields = ["account__name"]
    list_select_related = ["account", "item__product", "created_by"]
    actions = ["reinstate_selected"]
    readonly_fields = [
        "account",
        "kind",
        "item",
        "effective_at",
        "payload",
        "created_by",
        "created_at",
        "applied_at",
        "revoked_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Reinstate (withdraw the scheduled removal or cancellation)"))
    def reinstate_selected(self, request, queryset):
        reinstate(request, queryset.select_related("account"))


class ChangeRequestDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", "—"), ("approve", _("Approve")), ("decline", _("Decline"))],
        required=False,
    )
    apply_kind = forms.ChoiceField(
        label=_("Apply on approval"),
        required=False,
        choices=[
            ("", _("Nothing: I make the change myself")),
            (ChangeKind.ADD_SEATS, _("Add agent seats")),
            (ChangeKind.ADD_PRODUCT, _("Add a product")),
            (ChangeKind.CHANGE_EDITION, _("Upgrade an edition")),
        ],
        help_text=_(
            "Applied through the same quote and service as the Manage page, and charged the same way."
        ),
    )
    apply_item = forms.ModelChoiceField(
        label=_("Product of the subscription"), queryset=SubscriptionItem.objects.none(), required=False
    )
    apply_product = forms.ModelChoiceField(
        label=_("Product to add"),
        queryset=Product.objects.exclude(kind=Product.Kind.SUITE),
        required=False,
        to_field_name="code",
    )
    apply_edition = forms.ChoiceField(
        label=_("Edition"), choices=[("", "—"), *Edition.choices], required=False
    )
    apply_seats = WholeNumberField(label=_("Seats"), min_value=1, max_value=MAX_SEATS, required=False)

    preview, signed = None, ""  # R6.5: the change's preview until staff save again to apply it

    class Meta:
        model = SubscriptionChangeRequest
        fields = ["staff_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["apply_item"].queryset = SubscriptionItem.objects.filter(
                subscription__account=self.instance.account, ended_at=None
            ).select_related("product")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "decline" and not cleaned.get("staff_note", "").strip():
            self.add_error("staff_note", change_requests.DECLINE_NEEDS_NOTE)
        kind, item, product = (
            cleaned.get("apply_kind"),
            cleaned.get("apply_item"),
            cleaned.get("apply_product"),
        )
        spec = (
            ChangeSpec(
                kind=ChangeKind(kind),
                item=item.pk if item else None,
                product=product.code if product else None,
                edition=cleaned.get("apply_edition") or None,
                seats=cleaned.get("apply_seats"),
            )
            if kind and cleaned.get("decision") == "approve"
            else None
        )
        cleaned["apply"] = self._previewed(spec) if spec and not self.errors else None
        return cleaned

    def _previewed(self, spec: ChangeSpec) -> str:
        """R6.5: the signed quote of `spec` once staff have seen its preview; until then the preview
        (`self.preview`, its signed quote in the page) and a request to save again."""
        account, signed = self.instance.account, self.data.get("quote", "")
        try:
            if signed and quote_unsign(account, signed)["spec"] == spec.to_json():
                return signed
        except (StaleQuote, ValidationError):
            pass  # an expired or foreign preview: show a new one
        self.preview, self.signed = change_requests.change_request_preview(
            self.instance, spec, now=now_for(account)
        )
        raise ValidationError(CHECK_THE_PREVIEW)


@admin.register(SubscriptionChangeRequest)
class SubscriptionChangeRequestAdmin(admin.ModelAdmin):
    """Support staff approve or decline requests with a note (R2.4); the requester sees the result."""

    list_display = ["created_at", "account", "requested_by", "what", "status", "decided_by"]
    list_filter = ["status", "account__kind"]
    search_fields = ["account__name", "requested_by__email", "what"]
    list_select_related = ["account", "requested_by", "decided_by"]
    form = ChangeRequestDecisionForm
    change_form_template = "admin/billing/subscriptionchangerequest/change_form.html"
    base_readonly = [
        "account",
        "requested_by",
        "what",
        "why",
        "created_at",
        "status",
        "decided_by",
        "decided_at",
    ]
    apply_fields = ["apply_kind", "apply_item", "apply_product", "apply_edition", "apply_seats"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is not None and obj.status == SubscriptionChangeRequest.Status.PENDING:
            return [*self.base_readonly, "decision", "staff_note", *self.apply_fields]
        return [*self.base_readonly, "staff_note"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == SubscriptionChangeRequest.Status.PENDING:
            return self.base_readonly
        return [*self.base_readonly, "staff_note"]

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        if not decision:
            messages.warning(request, _("Nothing was decided: choose Approve or Decline."))
            return
        try:
            change_requests.change_request_decide(
                change_request=obj,
                by=request.user,
                approve=decision == "approve",
                note=form.cleaned_data.get("staff_note", ""),
                now=now_for(obj.account),
                apply=form.cleaned_data.get("apply"),
            )
        except (ValidationError, PermissionDenied) as error:
            refused(request, error)


@admin.action(description=_("Reinstate: withdraw the scheduled account cancellation"))
def reinstate_account(modeladmin, request, queryset):
    changes = (
        ScheduledChange.objects.filter(account__in=queryset).account_cancellation().select_related("account")
    )
    if not changes:
        messages.warning(request, _("None of these accounts has a cancellation to withdraw."))
    reinstate(request, changes)


@admin.action(description=_("Downgrade Zendesk Suite to Support only (at the end of the period)"))
def downgrade_spp_to_support(modeladmin, request, queryset):
    for account in queryset:
        try:
            scheduled_changes.spp_downgrade_schedule(account=account, by=request.user, now=now_for(account))
        except (ValidationError, PermissionDenied) as error:
            refused(request, error, account)
        else:
            messages.success(request, _("%s: downgrade to Support only scheduled.") % account)


class ScheduledChangeInline(ReadOnlyInline):
    model = ScheduledChange
    fk_name = "account"
    fields = ["kind", "item", "effective_at", "created_by", "created_at", "applied_at", "revoked_at"]
    readonly_fields = fields
