"""Contract terms (R7.1) and the final statement of a cancellation that took effect (R7.4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Account


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
    credit_notes = models.ManyToManyField(
        "billing.Invoice", blank=True, related_name="+", verbose_name=_("refunds")
    )
    balance_due = models.IntegerField(_("still due (minor units)"), default=0)

    class Meta:
        verbose_name = _("final statement")
        verbose_name_plural = _("final statements")

    def __str__(self):
        return f"{self.account} · {self.effective_at:%Y-%m-%d}"
