"""The staff insights' history (R11.1): what each account was, once a month, as the billing clock saw it.

Only the current status is stored elsewhere; the clock writes one row per account and month (the first tick
of the month, set-based), and the insights page reads its history from these rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Account


class AccountSnapshot(models.Model):
    """An account at the start of a month: its status for the insights, currency, type and monthly
    recurring revenue (the upcoming invoice's recurring lines after discounts, per month, in minor units)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLING = "cancelling", _("Cancelling (scheduled)")
        CANCELLED = "cancelled", _("Cancelled")
        DUNNING = "dunning", _("In dunning")
        SUSPENDED = "suspended", _("Suspended for non-payment")
        TRIAL = "trial", _("Trial")
        OTHER = "other", _("Trial expired or data deleted")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="snapshots")
    month = models.DateField(_("month"))  # its first day
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    currency = models.CharField(_("currency"), max_length=3)
    kind = models.CharField(_("account type"), max_length=20, choices=Account.Kind.choices)
    mrr = models.BigIntegerField(_("monthly recurring revenue (minor units)"), default=0)

    class Meta:
        verbose_name = _("account snapshot")
        verbose_name_plural = _("insights")  # the staff console lists them as the insights page
        ordering = ["-month", "account"]
        permissions = [("view_insights_accountsnapshot", _("Can view the insights"))]
        constraints = [
            # Month first: its index also finds a month's snapshots (their totals are counted from them).
            models.UniqueConstraint(fields=["month", "account"], name="account_snapshot_once_a_month"),
        ]

    def __str__(self):
        return f"{self.account} · {self.month:%Y-%m}"


class SnapshotTotal(models.Model):
    """The month's snapshots added up by currency, account type and status, written with them: the insights
    page reads a few hundred of these rather than a hundred thousand snapshots a month."""

    month = models.DateField(_("month"))
    currency = models.CharField(_("currency"), max_length=3)
    kind = models.CharField(_("account type"), max_length=20, choices=Account.Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=AccountSnapshot.Status.choices)
    accounts = models.PositiveIntegerField(_("accounts"))
    mrr = models.BigIntegerField(_("monthly recurring revenue (minor units)"))

    class Meta:
        verbose_name = _("snapshot total")
        verbose_name_plural = _("snapshot totals")
        ordering = ["month", "currency", "kind", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "currency", "kind", "status"], name="snapshot_total_once"
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.currency} {self.kind} {self.status}: {self.accounts}"
