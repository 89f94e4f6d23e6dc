"""What the export crash tests (test_export_crash.py) run in child processes, on a database of their own:

    python manage.py shell -c "from tests.billing import export_steps as s; s.<step>(...)"

Each step calls the real services or pages, as the owner's browser or the billing clock would, and prints one
JSON line. The worker itself runs as `manage.py db_worker`, killed at the crash point "export-building".
"""

import json
from datetime import datetime

from django.test import Client
from django.utils import timezone

from accounts.models import Membership
from billing.lifecycle.tick import billing_tick
from billing.models import DataExport
from billing.services.exports import data_export_request

OWNER = "owner@acme.test"
PAGE = "/admin/account/billing/export/"


def _say(**facts) -> None:
    print(json.dumps(facts, default=str), flush=True)


def _owner() -> Membership:
    return Membership.objects.select_related("account", "user").get(user__email=OWNER)


def request() -> None:
    """The owner clicks "Export my data"."""
    _say(export=data_export_request(membership=_owner(), now=timezone.now()).pk)


def tick(at: str) -> None:
    """The billing clock, at `at` (ISO): by the real clock, minutes or hours from now."""
    report = billing_tick(real_now=datetime.fromisoformat(at))
    _say(exports=report.exports, failed=report.failed)


def exports() -> None:
    """The owner's exports, oldest first."""
    rows = DataExport.objects.filter(account=_owner().account).order_by("pk")
    _say(
        exports=[
            {
                "status": e.status,
                "progress": e.progress,
                "attempts": e.attempts,
                "failure": e.failure,
                "file": bool(e.file),
            }
            for e in rows
        ]
    )


def page() -> None:
    """What the owner's export page says, and what "Export my data" answers."""
    client = Client()
    client.force_login(_owner().user)
    html = client.get(PAGE).content.decode()
    posted = client.post(PAGE + "new/")
    _say(
        failed_shown='data-testid="export-failed"' in html,
        polling='data-hx-trigger="every 2s"' in html,
        post=posted.status_code,
    )
