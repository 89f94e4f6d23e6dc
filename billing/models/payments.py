"""The card on file (R8.4), every call to the payment provider, and failed payments being chased (R8.5)."""

import uuid
from datetime import date, timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.money import format_money
from billing.months import next_month


class PaymentMethod(models.Model):
    """The card on file. Only what can be shown is stored: never the card number (R8.4)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="payment_method")
    brand = models.CharField(_("brand"), max_length=20)
    last4 = models.CharField(_("last 4 digits"), max_length=4)
    exp_month = models.PositiveSmallIntegerField(_("expiry month"))
    exp_year = models.PositiveSmallIntegerField(_("expiry year"))
    gateway_token = models.CharField(_("gateway token"), max_length=100, blank=True)
    # The expiry (year × 100 + month) whose reminder was written (billing.lifecycle.notices): a new card
    # has a new expiry, so it is reminded of its own.
    expiry_reminded_for = models.PositiveIntegerField(_("expiry reminded for"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        # The clock looks for the cards expiring this month or next at every tick (billing.lifecycle.notices).
        indexes = [models.Index(fields=["exp_year", "exp_month"], name="payment_method_expiry")]
        constraints = [
            models.CheckConstraint(
                condition=Q(exp_month__gte=1, exp_month__lte=12), name="payment_exp_month"
            ),
            models.CheckConstraint(condition=Q(last4__regex=r"^[0-9]{4}$"), name="payment_last4_digits"),
        ]

    def __str__(self):
        return f"{self.brand} •••• {self.last4}"

    @property
    def valid_until(self) -> date:
        """The card's last day: a card expires at the end of its expiry month."""
        return next_month(date(self.exp_year, self.exp_month, 1)) - timedelta(days=1)


class ProviderCustomer(models.Model):
    """The account as the payment provider knows it (Stripe's Customer, R12.1): created once, the first time
    the owner opens the card field, and kept, so every card and SetupIntent of the account is its own. Its
    intent first (R8.8): the row and a random key commit before the provider is asked, the answer fills
    `customer_id`; a request that dies in between is followed by one that asks again under the same key."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="provider_customer")
    # Random, not made from the account's id: two deployments (staging, production) sharing a Stripe
    # account have accounts with the same ids, and must not be given each other's Customer.
    key = models.UUIDField(_("idempotency key"), unique=True, default=uuid.uuid4, editable=False)
    # None until Stripe answers (unique, so not ""); a Customer id once it did.
    customer_id = models.CharField(_("customer at the provider"), max_length=100, null=True, unique=True)  # noqa: DJ001
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("customer at the payment provider")
        verbose_name_plural = _("customers at the payment provider")

    def __str__(self):
        return self.customer_id or str(self.key)


class PaymentAttemptQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=PaymentAttempt.Status.PENDING)


class PaymentAttempt(models.Model):
    """Every call to the payment provider (R8.8): first its intent — what will be asked, under which
    idempotency key — committed before the call, then the provider's answer. An attempt left pending by a
    crash is sent again, with the same key, by the next billing clock (docs/payments.md)."""

    class Operation(models.TextChoices):
        AUTHORIZE = "authorize", _("Authorization")
        VOID = "void", _("Void")
        CAPTURE = "capture", _("Capture")
        CHARGE = "charge", _("Charge")
        REFUND = "refund", _("Refund")

    # The key suffix of a payment the owner confirmed with their bank (strong customer authentication,
    # R12.1): the off-session charge under the attempt's own key asked for it; the provider's PaymentIntent
    # keeps that key in its metadata (billing.services.provider_outcomes, billing.selectors.reconciliation).
    CONFIRMED_BY_OWNER = "-confirmed"

    class Status(models.TextChoices):
        PENDING = "pending", _("Sent, no answer recorded yet")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payment_attempts")
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="payment_attempts"
    )
    operation = models.CharField(_("operation"), max_length=10, choices=Operation.choices)
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    # Made from the business fact (the subscription and period, the quote, the credit note…), never from a
    # row created in the same transaction: a rerun after a crash rebuilds the same key (docs/payments.md).
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    # What the request is sent with again if the answer is lost: the card's token, and the provider's
    # reference of the authorization or charge that a void or a refund acts on.
    token = models.CharField(_("gateway token"), max_length=100, blank=True)
    against = models.CharField(_("acts on (gateway reference)"), max_length=100, blank=True)
    # The card a charge is asked of, as the owner reads it on the Invoices page ("by card •••• 4242"): the
    # card on file can change after the invoice is paid.
    card_last4 = models.CharField(_("card's last 4 digits"), max_length=4, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_code = models.CharField(_("failure code"), max_length=40, blank=True)
    reference = models.CharField(_("gateway reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("at"))
    # When the answer was recorded, by the real clock: reconciliation at each tick looks at what changed.
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = PaymentAttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment attempt")
        verbose_name_plural = _("payment attempts")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The clock looks for intents left pending at every tick: there are few, the index stays small.
            models.Index(fields=["account"], condition=Q(status="pending"), name="payment_attempt_pending"),
            models.Index(fields=["answered_at"], name="payment_attempt_answered"),
        ]

    def __str__(self):
        outcome = {self.Status.SUCCEEDED: "ok", self.Status.PENDING: "pending"}.get(self.status)
        return (
            f"{self.get_operation_display()} {format_money(self.amount, self.currency)} · "
            f"{outcome or self.failure_code}"
        )

    @property
    def succeeded(self) -> bool:
        return self.status == self.Status.SUCCEEDED

    @property
    def pending(self) -> bool:
        return self.status == self.Status.PENDING


class DunningCase(models.Model):
    """A failed payment being chased (R8.5): its steps are counted from the failed invoice's date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RECOVERED = "recovered", _("Paid")
        SUSPENDED = "suspended", _("Account suspended")
        CLOSED = "closed", _("Closed")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="dunning_cases")
    invoice = models.OneToOneField("billing.Invoice", on_delete=models.PROTECT, related_name="dunning_case")
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


class PaymentMismatch(models.Model):
    """A disagreement between the provider's ledger and our records, as the last reconciliation of its
    document found it (R8.8). Each run replaces what it looked at: what is listed is what is still wrong."""

    class Kind(models.TextChoices):
        UNRECORDED = "unrecorded", _("Money moved with no paid invoice or credit note")
        MISSING = "missing", _("Paid invoice with no money moved")
        DUPLICATE = "duplicate", _("Two movements for one invoice or credit note")
        DIFFERENT = "different", _("The provider's record differs from ours")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    reference = models.CharField(_("invoice, credit note or quote"), max_length=100)
    keys = models.CharField(_("idempotency keys"), max_length=500, blank=True)
    amount = models.BigIntegerField(_("amount (minor units)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    detail = models.CharField(_("detail"), max_length=300)
    found_at = models.DateTimeField(_("found at"))

    class Meta:
        verbose_name = _("payment mismatch")
        verbose_name_plural = _("payment mismatches")
        ordering = ["kind", "reference"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.reference}"


class StripeEvent(models.Model):
    """A signed Stripe webhook event handled (R12.1): recorded with what it did, in the transaction that did
    it, so that Stripe's retries and duplicate deliveries of one event change nothing the second time."""

    event_id = models.CharField(_("Stripe event"), max_length=100, unique=True)
    type = models.CharField(_("type"), max_length=100)
    received_at = models.DateTimeField(_("received at"))
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.type} {self.event_id}"
