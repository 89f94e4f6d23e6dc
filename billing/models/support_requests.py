"""What customers ask support staff from the Admin Center or the sign-in refusal (R8.10): a missing invoice or
a copy for a period, and a temporary reactivation of an account cancelled for non-payment."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account


class SupportRequest(models.Model):
    """One request to support staff, answered in /staff/ (R8.10). Never deleted, except with the account's
    data (R8.6)."""

    class Kind(models.TextChoices):
        INVOICE_COPY = "invoice_copy", _("Missing invoice or copy")
        REACTIVATION = "reactivation", _("Temporary reactivation")

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting an answer")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="support_requests")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="support_requests"
    )
    # The form's one-time key: a double click or a replayed POST finds the request it already made.
    key = models.UUIDField(_("form key"))
    # Invoice copies: the months asked for (their first day), or one invoice's number, or both.
    period_from = models.DateField(_("from (month)"), null=True, blank=True)
    period_to = models.DateField(_("to (month)"), null=True, blank=True)
    invoice_number = models.CharField(_("invoice number"), max_length=40, blank=True)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reply = models.TextField(_("reply from support"), max_length=4000, blank=True)
    # Invoice copies: the invoices the answer points to (their PDFs are on the Invoices page).
    invoices = models.ManyToManyField(
        "billing.Invoice", blank=True, related_name="support_requests", verbose_name=_("invoices concerned")
    )
    # Reactivations: the end of the temporary reactivation granted with the answer (empty when refused).
    granted_until = models.DateTimeField(_("reactivated until"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"))

    class Meta:
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="support_request_once_per_key"),
            # One reactivation request waits at a time: asking again finds the open one.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(kind="reactivation", status="open"),
                name="support_request_one_open_reactivation",
            ),
            models.CheckConstraint(
                condition=Q(period_from__isnull=True)
                | Q(period_to__isnull=True)
                | Q(period_from__lte=models.F("period_to")),
                name="support_request_period_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.account} · {self.created_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
