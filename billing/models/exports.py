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
