"""The billing domain: catalog, subscriptions, discounts, payment methods, scheduled changes, the event log.

Money is always an integer amount of minor units (cents) next to a currency code; never a float.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account


class Edition(models.TextChoices):
    TEAM = "team", _("Team")
    GROWTH = "growth", _("Growth")
    PROFESSIONAL = "professional", _("Professional")
    ENTERPRISE = "enterprise", _("Enterprise")


# Editions whose seat-priced products can add temporary agent seats (R3.3).
EDITIONS_WITH_TEMPORARY_SEATS = frozenset({Edition.PROFESSIONAL, Edition.ENTERPRISE})


class Cycle(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    ANNUAL = "annual", _("Annual")


class Product(models.Model):
    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        SUITE = "suite", _("Suite bundle")
        ADDON = "addon", _("Add-on")

    class Unit(models.TextChoices):
        SEAT = "seat", _("per agent seat")
        ACCOUNT = "account", _("per account")

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRODUCT)
    unit = models.CharField(_("priced"), max_length=10, choices=Unit.choices, default=Unit.SEAT)
    is_tier1 = models.BooleanField(
        _("tier 1"), default=False, help_text=_("Support and Chat: the base of the other products (R4.7).")
    )
    components = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="suites", verbose_name=_("products in the suite")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class Price(models.Model):
    """A list price per seat (or per account) per month, for one product, edition, cycle and currency."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    edition = models.CharField(_("edition"), max_length=20, choices=Edition.choices)
    cycle = models.CharField(_("billing cycle"), max_length=10, choices=Cycle.choices)
    currency = models.CharField(_("currency"), max_length=3)
    unit_amount = models.PositiveIntegerField(_("per month, in minor units"))

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["product", "edition", "cycle", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "edition", "cycle", "currency"], name="price_one_per_product_edition_cycle"
            ),
        ]

    def __str__(self):
        return f"{self.product} {self.get_edition_display()} {self.cycle} {self.unit_amount} {self.currency}"


class CatalogVersion(models.Model):
    """One row whose token changes, by database trigger, with every write to products, their components or
    prices — whatever makes the write (the admin, a bulk update, a shell). Each process keeps the catalog in
    memory under the token it read (billing/catalog_cache.py). The token is random, not a counter, so a
    rolled-back change can never leave a cached catalog under the token of a later one."""

    token = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("catalog version")

    def __str__(self):
        return self.token


class Subscription(models.Model):
    class PaymentType(models.TextChoices):
        CARD = "card", _("Credit card")
        INVOICE = "invoice", _("Invoice")

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="subscription")
    cycle = models.CharField(_("billing cycle"), max_length=10, choices=Cycle.choices, default=Cycle.MONTHLY)
    current_period_start = models.DateTimeField(_("current period start"))
    current_period_end = models.DateTimeField(_("current period end"))
    payment_type = models.CharField(
        _("payment type"), max_length=10, choices=PaymentType.choices, default=PaymentType.CARD
    )

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(current_period_end__gt=models.F("current_period_start")),
                name="subscription_period_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.account} · {self.get_cycle_display()}"


class SubscriptionItem(models.Model):
    """One product in a subscription. Items bought as part of a Suite carry the suite in `bundle`."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    edition = models.CharField(_("edition"), max_length=20, choices=Edition.choices)
    seats = models.PositiveIntegerField(_("agent seats"), default=1)
    bundle = models.ForeignKey(
        Product,
        verbose_name=_("priced as part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Product.Kind.SUITE},
    )
    temporary_seats = models.PositiveIntegerField(_("temporary agent seats"), default=0)
    temporary_seats_end = models.DateField(_("temporary seats end on"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription item")
        verbose_name_plural = _("subscription items")
        ordering = ["product__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "product"],
                condition=Q(ended_at__isnull=True),
                name="subscription_item_one_active_per_product",
            ),
            models.CheckConstraint(
                condition=Q(temporary_seats=0) | Q(temporary_seats_end__isnull=False),
                name="subscription_item_temporary_seats_have_end",
            ),
        ]

    def __str__(self):
        return f"{self.product} {self.get_edition_display()} × {self.seats}"


class Coupon(models.Model):
    """A promotion or coupon: a percentage (in basis points) or a fixed amount off each period."""

    class Kind(models.TextChoices):
        COUPON = "coupon", _("Coupon")
        PROMOTION = "promotion", _("Promotion")

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COUPON)
    percent_off_bp = models.PositiveIntegerField(
        _("percent off (basis points)"), null=True, blank=True, help_text=_("1000 = 10%")
    )
    amount_off = models.PositiveIntegerField(_("amount off (minor units)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(percent_off_bp__isnull=False, amount_off__isnull=True, percent_off_bp__lte=10000)
                )
                | (Q(percent_off_bp__isnull=True, amount_off__isnull=False) & ~Q(currency="")),
                name="coupon_percent_or_amount",
            ),
        ]

    def __str__(self):
        return self.name


class Discount(models.Model):
    """A coupon applied to a subscription, between two dates."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="discounts")
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="discounts")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)

    class Meta:
        verbose_name = _("discount")
        verbose_name_plural = _("discounts")

    def __str__(self):
        return f"{self.coupon} → {self.subscription}"


class PaymentMethod(models.Model):
    """The card on file. Only what can be shown is stored: never the card number (R8.4)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="payment_method")
    brand = models.CharField(_("brand"), max_length=20)
    last4 = models.CharField(_("last 4 digits"), max_length=4)
    exp_month = models.PositiveSmallIntegerField(_("expiry month"))
    exp_year = models.PositiveSmallIntegerField(_("expiry year"))
    gateway_token = models.CharField(_("gateway token"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        constraints = [
            models.CheckConstraint(
                condition=Q(exp_month__gte=1, exp_month__lte=12), name="payment_exp_month"
            ),
            models.CheckConstraint(condition=Q(last4__regex=r"^[0-9]{4}$"), name="payment_last4_digits"),
        ]

    def __str__(self):
        return f"{self.brand} •••• {self.last4}"


class CancellationReason(models.TextChoices):
    """The survey's fixed list (R4.4, R5.2)."""

    TOO_EXPENSIVE = "too_expensive", _("Too expensive")
    MISSING_FEATURES = "missing_features", _("Missing features")
    SWITCHING = "switching", _("Switching to another product")
    NOT_USING = "not_using", _("Not using it enough")
    TOO_COMPLEX = "too_complex", _("Too complex")
    TECHNICAL = "technical", _("Technical problems")
    CLOSING = "closing", _("Company closing or merging")
    OTHER = "other", _("Other")


class Cancellation(models.Model):
    """What the owner confirmed once: the products (or the account) that end, why, and which warnings they
    accepted. The confirm form's one-time token is unique, so a replay cannot record it twice (R4.12)."""

    class Scope(models.TextChoices):
        PRODUCTS = "products", _("Products")
        ACCOUNT = "account", _("Account")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="cancellations")
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=CancellationReason.choices)
    explanation = models.TextField(_("explanation"), max_length=2000, blank=True)
    acknowledged = models.JSONField(_("warnings accepted"), default=list, blank=True)
    effective_at = models.DateTimeField(_("effective at"))
    token = models.UUIDField(_("confirmation key"), unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("confirmed at"))

    class Meta:
        verbose_name = _("cancellation")
        verbose_name_plural = _("cancellations")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.account} · {self.get_scope_display()} · {self.effective_at:%Y-%m-%d}"


class CancellationDraft(models.Model):
    """The owner's selection on the Cancellations page, kept in the database so it survives a reload, a
    new tab or a new session. `token` is the one-time key of the next confirmation (R4.12)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="cancellation_draft")
    items = models.ManyToManyField("SubscriptionItem", blank=True, related_name="+")
    token = models.UUIDField(_("confirmation key"), default=uuid.uuid4)

    class Meta:
        verbose_name = _("cancellation draft")
        verbose_name_plural = _("cancellation drafts")

    def __str__(self):
        return f"{self.account}"


class ScheduledChange(models.Model):
    """A change that takes effect later (R4.5, R5.3, R6.2). Applied or revoked, never deleted."""

    class Kind(models.TextChoices):
        REMOVE_ITEM = "remove_item", _("Remove a product")
        END_SUITE_PRICING = "end_suite_pricing", _("End suite pricing")
        CANCEL_ACCOUNT = "cancel_account", _("Cancel the account")
        SET_SEATS = "set_seats", _("Remove agent seats")
        SET_EDITION = "set_edition", _("Downgrade the edition")
        SET_CYCLE = "set_cycle", _("Change the billing cycle")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="scheduled_changes")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    item = models.ForeignKey(
        SubscriptionItem, null=True, blank=True, on_delete=models.CASCADE, related_name="scheduled_changes"
    )
    effective_at = models.DateTimeField(_("effective at"))
    payload = models.JSONField(_("details"), default=dict, blank=True)
    cancellation = models.ForeignKey(
        Cancellation, null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled change")
        verbose_name_plural = _("scheduled changes")
        ordering = ["effective_at", "id"]
        indexes = [models.Index(fields=["effective_at"], name="scheduled_change_due")]
        permissions = [
            ("reinstate_scheduledchange", _("Can reinstate a removed product or a cancelled account"))
        ]
        constraints = [
            # R4.12: a double click, a second tab or a replayed POST cannot schedule the same thing twice.
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(kind="remove_item", applied_at__isnull=True, revoked_at__isnull=True),
                name="scheduled_change_one_pending_removal_per_item",
            ),
            models.UniqueConstraint(
                fields=["account", "kind"],
                condition=Q(
                    kind__in=["cancel_account", "end_suite_pricing", "set_cycle"], applied_at__isnull=True
                )
                & Q(revoked_at__isnull=True),
                name="scheduled_change_one_pending_per_account_kind",
            ),
            # The Manage page schedules one seat change and one edition change per product at a time.
            models.UniqueConstraint(
                fields=["item", "kind"],
                condition=Q(
                    kind__in=["set_seats", "set_edition"], applied_at__isnull=True, revoked_at__isnull=True
                ),
                name="scheduled_change_one_pending_per_item_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.account} · {self.effective_at:%Y-%m-%d}"

    @property
    def is_pending(self) -> bool:
        return self.applied_at is None and self.revoked_at is None


class BillingEventQuerySet(models.QuerySet):
    """The log is append-only (R9.3): bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("Billing events are append-only.")

    def delete(self):
        raise TypeError("Billing events are append-only.")

    def anonymize(self, kinds_with_personal_data) -> int:
        """The one change the log allows: forgetting who acted, and the details of events that name people,
        when an account's data is deleted (R8.6)."""
        update = models.QuerySet.update  # the guarded update above refuses everyone else
        people = update(self.exclude(actor_label="system"), actor_label="deleted member")
        update(self.filter(kind__in=kinds_with_personal_data), before={}, after={}, summary="")
        return people


class BillingEvent(models.Model):
    """One change to an account's subscription, money or access: who, what, when, before → after (R9.3)."""

    class Kind(models.TextChoices):
        CHANGE_REQUESTED = "change_requested", _("Change requested")
        CHANGE_REQUEST_APPROVED = "change_request_approved", _("Change request approved")
        CHANGE_REQUEST_DECLINED = "change_request_declined", _("Change request declined")
        PRODUCT_REMOVAL_SCHEDULED = "product_removal_scheduled", _("Product removal scheduled")
        ACCOUNT_CANCELLATION_SCHEDULED = "account_cancellation_scheduled", _("Account cancellation scheduled")
        SUITE_PRICING_END_SCHEDULED = "suite_pricing_end_scheduled", _("End of suite pricing scheduled")
        SCHEDULED_CHANGE_APPLIED = "scheduled_change_applied", _("Scheduled change applied")
        SCHEDULED_CHANGE_REVOKED = "scheduled_change_revoked", _("Reinstated by support staff")
        STAFF_EDIT = "staff_edit", _("Changed by support staff")
        SEATS_ADDED = "seats_added", _("Agent seats added")
        SEATS_REDUCTION_SCHEDULED = "seats_reduction_scheduled", _("Agent seat removal scheduled")
        PRODUCT_ADDED = "product_added", _("Product added")
        EDITION_UPGRADED = "edition_upgraded", _("Edition upgraded")
        EDITION_DOWNGRADE_SCHEDULED = "edition_downgrade_scheduled", _("Edition downgrade scheduled")
        CYCLE_CHANGE_SCHEDULED = "cycle_change_scheduled", _("Billing cycle change scheduled")
        PAYMENT_TYPE_CHANGED = "payment_type_changed", _("Payment type changed")
        TEMPORARY_SEATS_EXTENDED = "temporary_seats_extended", _("Temporary seats extended")
        BILLING_ADMIN_GRANTED = "billing_admin_granted", _("Billing admin role granted")
        BILLING_ADMIN_REVOKED = "billing_admin_revoked", _("Billing admin role revoked")
        SCHEDULED_CHANGE_UNDONE = "scheduled_change_undone", _("Pending change undone")
        INVOICE_ISSUED = "invoice_issued", _("Invoice issued")
        INVOICE_PAID = "invoice_paid", _("Invoice paid")
        INVOICE_CLOSED = "invoice_closed", _("Invoice voided or written off")
        PERIOD_RENEWED = "period_renewed", _("Subscription renewed")
        TRIAL_CONVERTED = "trial_converted", _("Trial converted")
        TRIAL_EXPIRED = "trial_expired", _("Trial expired")
        DUNNING_STEP = "dunning_step", _("Payment reminder")
        ACCOUNT_SUSPENDED = "account_suspended", _("Account cancelled for non-payment")
        ACCOUNT_REACTIVATED = "account_reactivated", _("Account reactivated")
        TEMPORARY_REACTIVATION = "temporary_reactivation", _("Temporary reactivation")
        DATA_DELETED = "data_deleted", _("Data deleted")
        TEST_CLOCK_ADVANCED = "test_clock_advanced", _("Test clock advanced")
        ACCOUNT_TERMINATED = "account_terminated", _("Contract terminated early")
        CONTRACT_ENDED = "contract_ended", _("Contract ended without renewal")
        REFUND_ISSUED = "refund_issued", _("Refund issued")
        FINAL_STATEMENT_ISSUED = "final_statement_issued", _("Final statement issued")
        DATA_EXPORT_REQUESTED = "data_export_requested", _("Data export requested")
        PAYMENT_FAILED = "payment_failed", _("Payment failed")
        PAYMENT_METHOD_UPDATED = "payment_method_updated", _("Card updated")
        BILLING_ADDRESS_CHANGED = "billing_address_changed", _("Billing address changed")
        BILLING_CONTACT_ADDED = "billing_contact_added", _("Billing contact added")
        BILLING_CONTACT_REMOVED = "billing_contact_removed", _("Billing contact removed")
        BILLING_CONTACT_REQUESTED = "billing_contact_requested", _("Billing contact request")
        BILLING_CONTACT_REQUEST_DECIDED = (
            "billing_contact_request_decided",
            _("Billing contact request decided"),
        )

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="billing_events")
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text so the log still says who acted after the user is deleted.
    actor_label = models.CharField(_("by"), max_length=254)
    summary = models.CharField(_("summary"), max_length=300)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    amount = models.IntegerField(_("amount (minor units)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    occurred_at = models.DateTimeField(_("when"))
    # The confirmed quote's key: a change confirmed twice (double click, replay) is recorded once.
    idempotency_key = models.UUIDField(_("idempotency key"), null=True, blank=True, unique=True)

    objects = BillingEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("billing event")
        verbose_name_plural = _("billing events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["account", "-occurred_at"], name="billing_event_account_time")]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} · {self.account} · {self.get_kind_display()}"


class Charge(models.Model):
    """An amount owed now for a change made during a period (prorated seats, upgrades, products…), to be
    invoiced by the invoicing service (issue 5). Never edited: a correction is a credit note."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="charges")
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    description = models.CharField(_("description"), max_length=300)
    event = models.OneToOneField(BillingEvent, on_delete=models.PROTECT, related_name="charge")
    created_at = models.DateTimeField(_("created at"))
    invoice = models.ForeignKey(
        "Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.account} · {self.amount} {self.currency} · {self.description}"


class SubscriptionChangeRequest(models.Model):
    """A non-billing admin of an online-assisted account asks support for a change (R2.4)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="change_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="change_requests"
    )
    what = models.CharField(_("What should change?"), max_length=200)
    why = models.TextField(_("Why?"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    staff_note = models.TextField(_("note from support"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"))

    class Meta:
        verbose_name = _("subscription change request")
        verbose_name_plural = _("subscription change requests")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.account}: {self.what}"


class TestClock(models.Model):
    """A frozen "now" that support staff attach to demo accounts and advance (R9.2)."""

    __test__ = False  # not a pytest test class

    name = models.CharField(_("name"), max_length=100)
    frozen_now = models.DateTimeField(_("current time of the clock"))

    class Meta:
        verbose_name = _("test clock")
        verbose_name_plural = _("test clocks")

    def __str__(self):
        return f"{self.name} ({self.frozen_now:%Y-%m-%d %H:%M})"


class Invoice(models.Model):
    """An invoice or a credit note. A draft can change; once finalized it is immutable but for its payment
    state (a database trigger enforces it), numbered without gaps in its account's series, and carries a
    snapshot of the buyer as they were at that moment (R8.2)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        VOID = "void", _("Void")
        UNCOLLECTIBLE = "uncollectible", _("Uncollectible")

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.DRAFT)
    sequence = models.PositiveIntegerField(_("number in the account's series"), null=True, blank=True)
    number = models.CharField(_("number"), max_length=40, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.IntegerField(_("subtotal"), default=0)
    tax_rate_bp = models.PositiveIntegerField(_("tax rate (basis points)"), default=0)
    tax = models.IntegerField(_("tax"), default=0)
    total = models.IntegerField(_("total"), default=0)
    period_start = models.DateTimeField(_("period start"), null=True, blank=True)
    period_end = models.DateTimeField(_("period end"), null=True, blank=True)
    credits = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("corrects invoice"),
    )
    created_at = models.DateTimeField(_("created at"))
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    # The buyer as they were when the invoice was issued (R8.2).
    buyer_name = models.CharField(_("buyer"), max_length=200, blank=True)
    buyer_address = models.TextField(_("buyer's address"), blank=True)
    buyer_country = models.CharField(_("buyer's country"), max_length=2, blank=True)
    buyer_tax_id = models.CharField(_("buyer's tax ID"), max_length=50, blank=True)
    language = models.CharField(_("language"), max_length=5, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="invoice_account_newest")]
        permissions = [("close_invoice", _("Can void an invoice or mark it uncollectible"))]
        constraints = [
            models.UniqueConstraint(fields=["account", "sequence"], name="invoice_one_number_per_account"),
            models.CheckConstraint(
                condition=Q(total=models.F("subtotal") + models.F("tax")), name="invoice_total"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(sequence__isnull=False), name="invoice_finalized_has_number"
            ),
        ]

    def __str__(self):
        return self.number or f"Draft {self.pk}"

    @property
    def is_finalized(self) -> bool:
        return self.status != self.Status.DRAFT


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(_("description"), max_length=300)
    quantity = models.IntegerField(_("quantity"), default=1)
    unit_amount = models.IntegerField(_("unit amount"))
    amount = models.IntegerField(_("amount"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=models.F("quantity") * models.F("unit_amount")), name="invoice_line_amount"
            ),
        ]

    def __str__(self):
        return self.description


class InvoiceSequence(models.Model):
    """The last number used in an account's series; locked while the next one is taken, so numbers have
    no gaps and no duplicates, even when two invoices are finalized at once."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="invoice_sequence")
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.account}: {self.last}"


class PaymentAttempt(models.Model):
    """Every call to the payment gateway: what was asked, with which idempotency key, and what came back."""

    class Operation(models.TextChoices):
        AUTHORIZE = "authorize", _("Authorization")
        VOID = "void", _("Void")
        CAPTURE = "capture", _("Capture")
        CHARGE = "charge", _("Charge")
        REFUND = "refund", _("Refund")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payment_attempts")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="payment_attempts"
    )
    operation = models.CharField(_("operation"), max_length=10, choices=Operation.choices)
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    succeeded = models.BooleanField(_("succeeded"))
    failure_code = models.CharField(_("failure code"), max_length=40, blank=True)
    reference = models.CharField(_("gateway reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("payment attempt")
        verbose_name_plural = _("payment attempts")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        outcome = "ok" if self.succeeded else self.failure_code
        return f"{self.get_operation_display()} {self.amount} {self.currency} · {outcome}"


class BillingContact(models.Model):
    """An email address that receives the account's invoices (R8.3)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="billing_contacts")
    email = models.EmailField(_("email"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("billing contact")
        verbose_name_plural = _("billing contacts")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "email"], condition=Q(removed_at__isnull=True), name="billing_contact_once"
            ),
        ]

    def __str__(self):
        return self.email


class BillingContactRequest(models.Model):
    """A member asks to receive the invoices, or a contact asks to stop; the owner decides (R8.3)."""

    class Kind(models.TextChoices):
        ADD = "add", _("Add me")
        REMOVE = "remove", _("Remove me")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="billing_contact_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("request"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("billing contact request")
        verbose_name_plural = _("billing contact requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "requested_by"],
                condition=Q(status="pending"),
                name="billing_contact_request_once",
            ),
        ]

    def __str__(self):
        return f"{self.requested_by} · {self.get_kind_display()} · {self.get_status_display()}"


class SubscriptionPeriod(models.Model):
    """One billing period that was opened, with its invoice: a period is renewed once (R9.1)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="periods")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    invoice = models.OneToOneField(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="period"
    )

    class Meta:
        verbose_name = _("billing period")
        verbose_name_plural = _("billing periods")
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "start"], name="subscription_period_once")
        ]

    def __str__(self):
        return f"{self.subscription.account} {self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"


class DunningCase(models.Model):
    """A failed payment being chased (R8.5): its steps are counted from the failed invoice's date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RECOVERED = "recovered", _("Paid")
        SUSPENDED = "suspended", _("Account suspended")
        CLOSED = "closed", _("Closed")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="dunning_cases")
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="dunning_case")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    started_at = models.DateTimeField(_("payment failed on"))
    # Never before the end of a period that was already paid (a failed mid-period charge).
    suspend_at = models.DateTimeField(_("suspension on"))
    retry_requested_at = models.DateTimeField(_("retry asked at"), null=True, blank=True)
    reactivated_until = models.DateTimeField(_("temporarily reactivated until"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dunning case")
        verbose_name_plural = _("dunning cases")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status__in=["open", "suspended"]),
                name="dunning_one_live_case",
            ),
        ]

    def __str__(self):
        return f"{self.account} · {self.invoice} · {self.get_status_display()}"


class DunningStep(models.Model):
    """A step of the schedule that was reached: each happens once per case."""

    class Step(models.TextChoices):
        D0 = "d0", _("Payment failed (first email)")
        D2 = "d2", _("Retry, second email")
        D4 = "d4", _("Retry, third email, banner for owner and admins")
        D21 = "d21", _("Retry, suspension warning, banner for everyone")
        D29 = "d29", _("Account cancelled for non-payment")

    case = models.ForeignKey(DunningCase, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step"), max_length=4, choices=Step.choices)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("dunning step")
        verbose_name_plural = _("dunning steps")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="dunning_step_once")]

    def __str__(self):
        return f"{self.case_id} · {self.get_step_display()}"


class EmailLog(models.Model):
    """An email the billing clock decided to send, recorded before it is sent: a rerun never sends twice."""

    key = models.CharField(_("key"), max_length=120, unique=True)
    account = models.ForeignKey(Account, null=True, on_delete=models.SET_NULL, related_name="+")
    recipients = models.TextField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=200)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("email sent")
        verbose_name_plural = _("emails sent")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.subject


class DataDeletion(models.Model):
    """The tombstone of an account's deleted data (R8.6): what was deleted and when, never the data."""

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="data_deletion")
    deleted_at = models.DateTimeField(_("deleted at"))
    deleted = models.JSONField(_("what was deleted (counts)"), default=dict)

    class Meta:
        verbose_name = _("data deletion")
        verbose_name_plural = _("data deletions")

    def __str__(self):
        return f"Account #{self.account_id} · {self.deleted_at:%Y-%m-%d}"


class ContractTerms(models.Model):
    """The contract (R7.1). Its term is the subscription's billing period (monthly or annual) and ends with
    it; the notice period, auto-renewal, refund policy and early termination fee are the contract's own."""

    class RefundPolicy(models.TextChoices):
        STANDARD = "standard", _("Full refund in the first 30 days of service, then prorated")
        NONE = "none", _("No refunds")

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="contract")
    service_started_at = models.DateTimeField(_("service started at"))
    auto_renew = models.BooleanField(_("renews automatically"), default=True)
    notice_days = models.PositiveSmallIntegerField(
        _("notice period (days)"),
        default=30,
        help_text=_("30 days by default. Customers are advised to give 60 days of notice to be safe."),
    )
    refund_policy = models.CharField(
        _("refund policy"), max_length=10, choices=RefundPolicy.choices, default=RefundPolicy.STANDARD
    )
    early_termination_fee = models.PositiveIntegerField(_("early termination fee (minor units)"), default=0)

    class Meta:
        verbose_name = _("contract terms")
        verbose_name_plural = _("contract terms")

    def __str__(self):
        return f"{self.account} · {self.notice_days} days notice"


class FinalStatement(models.Model):
    """What the customer gets when the account's cancellation takes effect (R7.4): what ended, the refunds
    or credits, and that nothing more will be charged."""

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="final_statement")
    issued_at = models.DateTimeField(_("issued at"))
    effective_at = models.DateTimeField(_("cancelled on"))
    ended = models.JSONField(_("what ended"), default=list)
    credit_notes = models.ManyToManyField(Invoice, blank=True, related_name="+", verbose_name=_("refunds"))
    balance_due = models.IntegerField(_("still due (minor units)"), default=0)

    class Meta:
        verbose_name = _("final statement")
        verbose_name_plural = _("final statements")

    def __str__(self):
        return f"{self.account} · {self.effective_at:%Y-%m-%d}"


class DataExport(models.Model):
    """A full export of an account's data (R7.6), built in the background, downloadable by the owner
    until it expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="data_exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    created_at = models.DateTimeField(_("requested at"))
    finished_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.account} · {self.get_status_display()} · {self.created_at:%Y-%m-%d}"
