"""The account's data: its full export (R7.6) and the tombstone of its deletion (R8.6)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Account


class DataExport(models.Model):
    """A full export of an account's data (R7.6), built in the background, downloadable by the owner
    until it expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled by support")
        EXPIRED = "expired", _("Expired")

    IN_PROGRESS = (Status.QUEUED, Status.BUILDING)

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
    # Issue 16: a worker can die mid-build. Each run a worker claims counts here (the claim is the run's
    # ticket: a worker whose number is no longer the export's lost it); the worker touches heartbeat_at,
    # by the real clock, at every step; the billing clock re-queues or fails what went silent.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    failure = models.CharField(_("why it stopped"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at", "-id"]
        permissions = [("cancel_dataexport", _("Can cancel a data export being prepared"))]
        constraints = [
            # One export in progress per account, whatever number of requests race for it (issue 16).
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status__in=["queued", "building"]),
                name="data_export_one_in_progress",
            )
        ]

    def __str__(self):
        return f"{self.account} · {self.get_status_display()} · {self.created_at:%Y-%m-%d}"


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
