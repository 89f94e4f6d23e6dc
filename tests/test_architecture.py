"""The code keeps the shape README › Architecture describes (the import contracts are checked by
`lint-imports`, which `make test` runs first)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 420  # "no module over ~400 lines": small files, one domain each


def test_no_module_is_over_about_400_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for package in ("accounts", "billing", "config", "devtools")
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_migrations_are_squashed_and_import_no_live_app_code():
    """A migration that imports the app's code changes when the code does: reference data (the catalog,
    the Support group) is installed after migrate instead (billing/apps.py)."""
    for app in ("accounts", "billing"):
        migrations = sorted((ROOT / app / "migrations").glob("0*.py"))
        assert 1 <= len(migrations) <= 3, migrations
        for migration in migrations:
            imports = re.findall(
                r"^\s*(?:from|import) (accounts|billing|config|devtools)\b", migration.read_text(), re.M
            )
            assert imports == [], migration.name


def test_the_migrations_go_down_and_up_again_on_a_database_of_their_own(tmp_path):
    """`migrate billing zero` (a rollback, a partial migrate) and back: the reference data installed after
    migrate must not need tables that are not there."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECRET_KEY": "x",
        "DEBUG": "0",
    }
    script = (
        "import django; django.setup(); from django.core.management import call_command as run; "
        "run('migrate', verbosity=0); run('migrate', 'billing', 'zero', verbosity=0); "
        "run('migrate', verbosity=0)"
    )
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)
