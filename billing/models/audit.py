"""The append-only billing history (R9.3) and the emails the billing clock sent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account


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
        OWNERSHIP_TRANSFERRED = "ownership_transferred", _("Ownership transferred")
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
        DATA_EXPORT_FAILED = "data_export_failed", _("Data export failed")
        DATA_EXPORT_CANCELLED = "data_export_cancelled", _("Data export cancelled by support staff")
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
        INVOICE_COPY_REQUESTED = "invoice_copy_requested", _("Invoice copy requested")
        REACTIVATION_REQUESTED = "reactivation_requested", _("Temporary reactivation requested")
        SUPPORT_REQUEST_ANSWERED = "support_request_answered", _("Request answered by support")

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

    @property
    def kind_label(self):
        """What `get_kind_display` says, without rebuilding the 46 translated choices for each event (the
        billing history shows 25 a page)."""
        return self.Kind(self.kind).label if self.kind in self.Kind.values else self.kind


class EmailLog(models.Model):
    """The outbox (billing/outbox.py): an email written by the transaction that decided it, sent after it
    commits. The key says what it is about: the same email is never written twice (R9.1), and every attempt
    at sending it carries the same Message-ID."""

    key = models.CharField(_("key"), max_length=120, unique=True)
    account = models.ForeignKey(Account, null=True, on_delete=models.SET_NULL, related_name="+")
    recipients = models.TextField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    # What it was written in (R10.1): its HTML part, made by the sender from the body, speaks it too.
    language = models.CharField(_("language"), max_length=5, blank=True)

    class Attachment(models.TextChoices):
        DOCUMENT = "document", _("The invoice's PDF")
        RECEIPT = "receipt", _("The receipt of its payment")
        FINAL_STATEMENT = "statement", _("The account's final statement")

    # A PDF is attached by the sender, so that the deciding transaction never waits for one: the invoice's
    # stored document, the receipt of its payment, or (without an invoice) the account's final statement.
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attachment = models.CharField(
        _("attachment"), max_length=10, choices=Attachment.choices, default=Attachment.DOCUMENT
    )
    created_at = models.DateTimeField(_("written at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Until then the email is its sender's; after it, the billing clock presumes the sender dead.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The clock's safety net reads the unsent ones whose sender is late (billing.outbox).
            models.Index(fields=["claimed_until"], condition=Q(sent_at=None), name="email_unsent_by_claim"),
        ]

    def __str__(self):
        return self.subject
