from django.db import migrations

from accounts.staff import install_support_group


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_catalog"),
        ("accounts", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(install_support_group, migrations.RunPython.noop)]
