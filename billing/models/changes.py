"""Changes that take effect later (R4.5, R5.3, R6.2) and changes asked of support staff (R2.4)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account


class ScheduledChangeQuerySet(models.QuerySet):
    def pending(self):
        """Neither applied nor revoked yet."""
        return self.filter(applied_at=None, revoked_at=None)

    def account_cancellation(self):
        """The account's cancellation, scheduled and still pending (at most one per account)."""
        return self.pending().filter(kind=ScheduledChange.Kind.CANCEL_ACCOUNT)


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
        "billing.SubscriptionItem",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scheduled_changes",
    )
    effective_at = models.DateTimeField(_("effective at"))
    payload = models.JSONField(_("details"), default=dict, blank=True)
    cancellation = models.ForeignKey(
        "billing.Cancellation", null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ScheduledChangeQuerySet.as_manager()

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
