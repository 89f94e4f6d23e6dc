from django.db import migrations

from billing.catalog import install_catalog


def install(apps, schema_editor):
    install_catalog(apps.get_model("billing", "Product"), apps.get_model("billing", "Price"))


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
