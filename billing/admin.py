from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from billing.audit import AuditedAdminMixin
from billing.clock import now_for
from billing.manage import MAX_SEATS, ChangeKind, ChangeSpec
from billing.models import (
    BillingContact,
    BillingContactRequest,
    BillingEvent,
    Cancellation,
    Charge,
    Coupon,
    DataDeletion,
    Discount,
    DunningCase,
    DunningStep,
    Edition,
    EmailLog,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    PaymentAttempt,
    PaymentMethod,
    Price,
    Product,
    ScheduledChange,
    Subscription,
    SubscriptionChangeRequest,
    SubscriptionItem,
    SubscriptionPeriod,
    TestClock,
)
from billing.services import change_requests, scheduled_changes, support
from billing.services.invoices import invoice_close


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are never edited by hand: the history, and what owners confirmed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PriceInline(admin.TabularInline):
    model = Price
    extra = 0
    fields = ["edition", "cycle", "currency", "unit_amount"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "unit", "is_tier1", "position"]
    list_filter = ["kind", "unit", "is_tier1"]
    search_fields = ["name", "code"]
    filter_horizontal = ["components"]
    inlines = [PriceInline]


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    list_display = ["product", "edition", "cycle", "currency", "unit_amount"]
    list_filter = ["product", "edition", "cycle", "currency"]
    list_select_related = ["product"]
    search_fields = ["product__name", "product__code"]


class SubscriptionItemInline(admin.TabularInline):
    model = SubscriptionItem
    extra = 0
    can_delete = False  # items end (ended_at), they are not deleted: the history must stay readable
    fields = ["product", "edition", "seats", "bundle", "temporary_seats", "temporary_seats_end", "ended_at"]


class DiscountInline(admin.TabularInline):
    model = Discount
    extra = 0
    fields = ["coupon", "starts_at", "ends_at"]


@admin.register(Subscription)
class SubscriptionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["account", "cycle", "current_period_start", "current_period_end", "payment_type"]
    list_filter = ["cycle", "payment_type", "account__kind"]
    search_fields = ["account__name"]
    list_select_related = ["account"]
    autocomplete_fields = ["account"]
    inlines = [SubscriptionItemInline, DiscountInline]


@admin.register(SubscriptionItem)
class SubscriptionItemAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["subscription", "product", "edition", "seats", "temporary_seats", "bundle", "ended_at"]
    list_filter = ["product", "edition", "ended_at"]
    search_fields = ["subscription__account__name", "product__name"]
    list_select_related = ["subscription__account", "product", "bundle"]

    def account_of(self, obj):
        return obj.subscription.account

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "percent_off_bp", "amount_off", "currency"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(Discount)
class DiscountAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["subscription", "coupon", "starts_at", "ends_at"]
    list_filter = ["coupon"]
    search_fields = ["subscription__account__name", "coupon__code"]
    list_select_related = ["subscription__account", "coupon"]

    def account_of(self, obj):
        return obj.subscription.account


@admin.register(PaymentMethod)
class PaymentMethodAdmin(admin.ModelAdmin):
    list_display = ["account", "brand", "last4", "exp_month", "exp_year"]
    list_filter = ["brand"]
    search_fields = ["account__name", "last4"]
    readonly_fields = ["gateway_token"]
    list_select_related = ["account"]


def reinstate(request, changes) -> None:
    """Withdraw scheduled removals or cancellations (R4.11, R5.8) through the service, with a message each."""
    for change in changes:
        try:
            revoked = scheduled_changes.scheduled_change_revoke(
                change=change, by=request.user, now=now_for(change.account)
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, f"{change}: {' '.join(getattr(error, 'messages', [str(error)]))}")
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


@admin.register(BillingEvent)
class BillingEventAdmin(ReadOnlyAdmin):
    """Read-only: the log is append-only (R9.3)."""

    list_display = ["occurred_at", "account", "kind", "actor_label", "summary", "amount", "currency"]
    list_filter = ["kind", "account__kind"]
    search_fields = ["account__name", "actor_label", "summary"]
    date_hierarchy = "occurred_at"
    list_select_related = ["account"]


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
    apply_seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=MAX_SEATS, required=False)

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
        cleaned["apply"] = (
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
        return cleaned


@admin.register(SubscriptionChangeRequest)
class SubscriptionChangeRequestAdmin(admin.ModelAdmin):
    """Support staff approve or decline requests with a note (R2.4); the requester sees the result."""

    list_display = ["created_at", "account", "requested_by", "what", "status", "decided_by"]
    list_filter = ["status", "account__kind"]
    search_fields = ["account__name", "requested_by__email", "what"]
    list_select_related = ["account", "requested_by", "decided_by"]
    form = ChangeRequestDecisionForm
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
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))


@admin.register(TestClock)
class TestClockAdmin(admin.ModelAdmin):
    """R9.2: attach a clock to demo accounts (on the account), then move it forward here: each move runs
    the lifecycle of those accounts up to the clock's time."""

    list_display = ["name", "frozen_now", "attached"]
    search_fields = ["name"]
    actions = ["advance_day", "advance_week", "advance_month"]

    @admin.display(description=_("accounts"))
    def attached(self, clock):
        return ", ".join(a.name for a in clock.accounts.all()) or "—"

    def _advance(self, request, clock, to):
        try:
            done = support.advance_test_clock(clock=clock, to=to, by=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, f"{clock.name}: {' '.join(getattr(error, 'messages', [str(error)]))}")
            return
        for account, actions in done.items():
            messages.success(
                request, f"{account} → {to:%Y-%m-%d %H:%M}: {', '.join(actions) or _('nothing due')}"
            )

    def _advance_all(self, request, queryset, delta):
        for clock in queryset:
            self._advance(request, clock, clock.frozen_now + delta)

    @admin.action(description=_("Advance by one day"))
    def advance_day(self, request, queryset):
        self._advance_all(request, queryset, timedelta(days=1))

    @admin.action(description=_("Advance by one week"))
    def advance_week(self, request, queryset):
        self._advance_all(request, queryset, timedelta(days=7))

    @admin.action(description=_("Advance by 30 days"))
    def advance_month(self, request, queryset):
        self._advance_all(request, queryset, timedelta(days=30))

    def save_model(self, request, obj, form, change):
        """Setting the clock's time in the form moves it there (forward only) and runs the lifecycle."""
        if change and "frozen_now" in form.changed_data:
            target = obj.frozen_now
            obj.frozen_now = form.initial["frozen_now"]
            obj.save(update_fields=["name"])
            self._advance(request, obj, target)
        else:
            super().save_model(request, obj, form, change)


@admin.register(Cancellation)
class CancellationAdmin(ReadOnlyAdmin):
    """What owners confirmed, with their survey answers. Staff act on the scheduled changes instead."""

    list_display = ["created_at", "account", "scope", "reason", "effective_at", "created_by"]
    list_filter = ["scope", "reason"]
    search_fields = ["account__name", "explanation"]
    list_select_related = ["account", "created_by"]


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ["position", "description", "quantity", "unit_amount", "amount"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    """Issued invoices are immutable (R8.2): the database refuses changes; corrections are credit notes."""

    list_display = [
        "number",
        "account",
        "kind",
        "status",
        "total",
        "currency",
        "issued_at",
        "due_at",
        "paid_at",
    ]
    list_filter = ["status", "kind", "currency"]
    search_fields = ["number", "account__name", "buyer_name"]
    date_hierarchy = "issued_at"
    list_select_related = ["account"]
    inlines = [InvoiceLineInline]
    actions = ["void", "mark_uncollectible"]

    def _close(self, request, queryset, status):
        for invoice in queryset.select_related("account"):
            try:
                invoice_close(invoice=invoice, status=status, by=request.user, now=now_for(invoice.account))
            except ValidationError as error:
                messages.error(request, f"{invoice}: {' '.join(error.messages)}")
            else:
                messages.success(request, f"{invoice}: {Invoice.Status(status).label}")

    @admin.action(description=_("Void (nothing is owed any more)"), permissions=["close"])
    def void(self, request, queryset):
        self._close(request, queryset, Invoice.Status.VOID)

    @admin.action(description=_("Mark uncollectible"), permissions=["close"])
    def mark_uncollectible(self, request, queryset):
        self._close(request, queryset, Invoice.Status.UNCOLLECTIBLE)

    def has_close_permission(self, request):
        return request.user.has_perm("billing.close_invoice")


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "account",
        "operation",
        "amount",
        "currency",
        "succeeded",
        "failure_code",
        "invoice",
    ]
    list_filter = ["operation", "succeeded", "failure_code"]
    search_fields = ["account__name", "idempotency_key", "reference"]
    list_select_related = ["account", "invoice"]


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "description", "amount", "currency", "invoice"]
    search_fields = ["account__name", "description"]
    list_select_related = ["account", "invoice"]


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(ReadOnlyAdmin):
    list_display = ["account", "last"]
    search_fields = ["account__name"]
    list_select_related = ["account"]


@admin.register(BillingContact)
class BillingContactAdmin(ReadOnlyAdmin):
    list_display = ["email", "account", "created_at", "removed_at"]
    list_filter = ["removed_at"]
    search_fields = ["email", "account__name"]
    list_select_related = ["account"]


@admin.register(BillingContactRequest)
class BillingContactRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "requested_by", "kind", "status", "decided_at"]
    list_filter = ["kind", "status"]
    search_fields = ["account__name", "requested_by__email"]
    list_select_related = ["account", "requested_by"]


class DunningStepInline(admin.TabularInline):
    model = DunningStep
    extra = 0
    can_delete = False
    fields = ["step", "at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DunningCase)
class DunningCaseAdmin(ReadOnlyAdmin):
    """Failed payments being chased (R8.5). Staff grant temporary reactivations from the account list."""

    list_display = [
        "account",
        "invoice",
        "status",
        "started_at",
        "suspend_at",
        "reactivated_until",
        "closed_at",
    ]
    list_filter = ["status"]
    search_fields = ["account__name", "invoice__number"]
    list_select_related = ["account", "invoice"]
    inlines = [DunningStepInline]


@admin.register(SubscriptionPeriod)
class SubscriptionPeriodAdmin(ReadOnlyAdmin):
    list_display = ["subscription", "start", "end", "invoice"]
    search_fields = ["subscription__account__name"]
    list_select_related = ["subscription__account", "invoice"]


@admin.register(EmailLog)
class EmailLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "subject", "recipients"]
    search_fields = ["subject", "recipients", "key"]
    list_select_related = ["account"]


@admin.register(DataDeletion)
class DataDeletionAdmin(ReadOnlyAdmin):
    """Tombstones: what was deleted and when, never the data (R8.6)."""

    list_display = ["account", "deleted_at", "deleted"]
    list_select_related = ["account"]
