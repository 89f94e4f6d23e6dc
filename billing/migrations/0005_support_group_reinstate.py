"""Support staff may reinstate removed products and cancelled accounts (R4.11, R5.8)."""

from django.db import migrations

from accounts.staff import install_support_group


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_cancellations"), ("accounts", "0003_cancellations")]
    operations = [migrations.RunPython(install_support_group, migrations.RunPython.noop)]
