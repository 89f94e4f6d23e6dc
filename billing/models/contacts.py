"""Who receives the invoices (R8.3)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account


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
