"""Support staff see invoices, payment attempts and billing contacts (read-only)."""

from django.db import migrations

from accounts.staff import install_support_group


class Migration(migrations.Migration):
    dependencies = [("billing", "0009_invoice_immutability")]
    operations = [migrations.RunPython(install_support_group, migrations.RunPython.noop)]
