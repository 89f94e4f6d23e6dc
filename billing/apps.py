from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def install_reference_data(sender, using: str = "default", **kwargs) -> None:
    """After every migrate — and every flush of a test database: the catalog's missing products and prices,
    and the Support group with exactly its permissions (billing/staff.py). Both follow the code."""
    from billing.catalog import install_catalog
    from billing.staff import ensure_support_group

    install_catalog(using=using)
    ensure_support_group(using=using)


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from accounts.access import install_sign_in_rule
        from billing.selectors.access import refusal

        # Members of a cancelled, suspended, expired or deleted account are refused at sign-in (R5.3, R8.5).
        install_sign_in_rule(refusal)
        # Sent for this app after django.contrib.auth created its permissions (auth's receiver comes first).
        post_migrate.connect(install_reference_data, sender=self, dispatch_uid="billing.reference_data")
