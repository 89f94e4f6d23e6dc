from django.apps import AppConfig
from django.apps import apps as installed_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def install_reference_data(sender, apps=installed_apps, using: str = "default", **kwargs) -> None:
    """After every migrate — and every flush of a test database — add what is missing of the catalog and of
    the Support group's permissions (billing/catalog.py, billing/staff.py). Nothing existing is changed.
    Skipped when the migration state has no billing tables (`migrate billing zero`, a partial migrate);
    `flush` sends no migration state: the installed models are the state."""
    try:
        apps.get_model("billing", "Price")
        apps.get_model("auth", "Permission")
    except LookupError:
        return
    from billing.catalog import install_catalog
    from billing.staff import ensure_support_group

    install_catalog(using=using)
    ensure_support_group(using=using)


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from accounts.access import install_sign_in_rule
        from billing.selectors.access import reactivation_offer, refusal

        # Members of a cancelled, suspended, expired or deleted account are refused at sign-in (R5.3, R8.5);
        # the owner of a suspended one may ask for a temporary reactivation from there (R8.10).
        install_sign_in_rule(refusal, offer=reactivation_offer)
        # Sent for this app after django.contrib.auth created its permissions (auth's receiver comes first).
        post_migrate.connect(install_reference_data, sender=self, dispatch_uid="billing.reference_data")
