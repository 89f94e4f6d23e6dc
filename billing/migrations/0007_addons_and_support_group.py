"""Add-ons in the catalog (the Manage page sells them, R6.2); support staff may view charges."""

from django.db import migrations

from accounts.staff import install_support_group
from billing.catalog import install_catalog


def install(apps, schema_editor):
    install_catalog(apps.get_model("billing", "Product"), apps.get_model("billing", "Price"))
    install_support_group(apps)


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_manage_changes")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
