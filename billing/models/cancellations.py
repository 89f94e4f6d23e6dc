"""What owners confirm on the cancellation journey (R4, R5): the survey, the warnings accepted, and the
draft selection kept between pages."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Account


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
