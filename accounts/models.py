"""Accounts, the people in them and their roles (SPEC R1, R2)."""

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import countries


class UserManager(BaseUserManager):
    # Not serialized into migrations: they must not import the app's code (tests/test_architecture.py).
    use_in_migrations = False

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class Language(models.TextChoices):
    """The languages of the app, written in themselves (R10.1)."""

    EN = "en", "English"
    FR = "fr", "Français"


class User(AbstractUser):
    """A person who signs in with an email address (R1.1). Staff users belong to no account (R1.3)."""

    username = None
    email = models.EmailField(_("Email"), unique=True)
    # The person's own choice with the EN/FR switch (R10.1); blank: none made, the account's language
    # (or, without an account, the browser's) applies — to their pages and to the emails sent to them.
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    def __str__(self):
        return self.email


class Account(models.Model):
    class Kind(models.TextChoices):
        MANAGED = "managed", _("Managed")
        ONLINE_ASSISTED = "online_assisted", _("Online-assisted")
        SELF_SERVICE = "self_service", _("Self-service")

    class Generation(models.TextChoices):
        RECENT = "recent", _("Recent")
        LEGACY = "legacy", _("Legacy")

    class Pricing(models.TextChoices):
        STANDALONE = "standalone", _("Standalone products")
        LEGACY_SUITE = "legacy_suite", _("Legacy Support Suite pricing")
        SPP_SUITE = "spp_suite", _("Zendesk Suite (simplified pricing and packaging)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLED = "cancelled", _("Cancelled")
        SUSPENDED = "suspended", _("Cancelled for non-payment")
        EXPIRED = "expired", _("Trial expired")
        DELETED = "deleted", _("Data deleted")

    Language = Language

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("account type"), max_length=20, choices=Kind.choices)
    generation = models.CharField(
        _("UI generation"), max_length=10, choices=Generation.choices, default=Generation.RECENT
    )
    pricing = models.CharField(
        _("pricing"), max_length=20, choices=Pricing.choices, default=Pricing.STANDALONE
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    # When the billing clock must next look at this account (renewal, trial end, dunning step, scheduled
    # change, deletion): a tick reads only the accounts that are due, through this index (R9.1).
    next_action_at = models.DateTimeField(_("next billing action"), null=True, blank=True, db_index=True)
    # The customer's own creation date: R4.7 and R4.9 depend on it (before/after 2020-10-07).
    created_on = models.DateField(_("created on"))
    trial_ends_on = models.DateField(_("trial ends on"), null=True, blank=True)
    cancellation_via_support = models.BooleanField(
        _("cancellation via support"),
        default=False,
        help_text=_("The owner must contact support to remove products or cancel."),  # R4.2
    )
    chat_phase4 = models.BooleanField(
        _("Chat Phase 4"),
        default=True,
        help_text=_("Unchecked: legacy Chat, cancelled through support."),  # R4.9
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.EN)
    billing_name = models.CharField(_("billing name"), max_length=200, blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)
    billing_country = models.CharField(_("country"), max_length=2, blank=True)  # ISO 3166-1 (clean)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    is_business = models.BooleanField(
        _("business"),
        default=True,
        help_text=_(
            "A business buys for its trade, a consumer for personal use: it decides the VAT of invoices."
        ),
    )
    purchase_order = models.CharField(
        _("purchase order number"),
        max_length=40,
        blank=True,
        help_text=_("Optional: printed on the next invoices, for your accounts payable."),
    )
    test_clock = models.ForeignKey(
        "billing.TestClock",
        verbose_name=_("test clock"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
        help_text=_("When set, this account lives at the clock's time instead of the real time."),  # R9.2
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="account_currency_iso_4217"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_trial(self) -> bool:
        return self.trial_ends_on is not None

    def clean(self):
        """R8.9, for every form that edits the buyer (the owner's and the staff console's): a country from
        ISO 3166-1 and a VAT number of that country's format."""
        super().clean()
        if self.billing_country and not countries.is_country(self.billing_country):
            raise ValidationError({"billing_country": countries.NOT_A_COUNTRY})
        self.vat_number = countries.compact_vat_number(self.vat_number)
        if problem := countries.vat_number_problem(self.billing_country, self.vat_number):
            raise ValidationError({"vat_number": problem})


STAFF_ARE_NOT_MEMBERS = _("Staff users cannot be members of a customer account.")
OWNER_STAYS_OWNER = _("The owner stays the owner until the ownership is transferred to another member.")
ONE_OWNER = _("This account has an owner already: an account has exactly one owner.")
# The owner role while it passes to another member, inside the transfer's transaction only (migration 0003).
OWNER_HANDOVER = "owner_handover"


class Membership(models.Model):
    """A user's one place in one account (R1.1) and their role in it (R1.2)."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        BILLING_ADMIN = "billing_admin", _("Billing admin")
        ADMIN = "admin", _("Admin")
        AGENT = "agent", _("Agent")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # At most one owner per account; "at least one" is a trigger (migration 0003, R1.5).
            models.UniqueConstraint(
                fields=["account"], condition=Q(role="owner"), name="membership_one_owner_per_account"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.account}"

    def clean(self):
        """R1.5, checked by every form that edits a membership (the staff console's among them): staff users
        are never members of a customer account, and the account keeps exactly one owner."""
        super().clean()
        if self.user_id is not None and self.user.is_staff:
            raise ValidationError(STAFF_ARE_NOT_MEMBERS)
        stored = (
            Membership.objects.filter(pk=self.pk).values("role", "account_id").first() if self.pk else None
        )
        was_owner = stored is not None and stored["role"] == self.Role.OWNER
        if was_owner and self.role != self.Role.OWNER:
            raise ValidationError({"role": OWNER_STAYS_OWNER})
        if was_owner and self.account_id != stored["account_id"]:
            raise ValidationError({"account": OWNER_STAYS_OWNER})
        owners = Membership.objects.filter(account_id=self.account_id, role=self.Role.OWNER)
        if not was_owner and self.role == self.Role.OWNER and owners.exists():
            raise ValidationError({"role": ONE_OWNER})

    @property
    def role_label(self):
        """The role's name, without rebuilding the translated choices (every page shows the member's)."""
        return self.Role(self.role).label if self.role in self.Role.values else self.role
