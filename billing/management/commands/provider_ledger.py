"""Print the payment provider's own ledger (R8.8): what it recorded, whatever our database says."""

import json

from django.core.management.base import BaseCommand

from billing.gateway import provider


class Command(BaseCommand):
    help = "Print the sandbox payment provider's ledger, oldest first."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="One JSON object per line.")

    def handle(self, *args, as_json: bool = False, **options):
        fields = ("key", "operation", "amount", "currency", "outcome", "reference")
        for movement in provider.movements():
            row = {field: movement[field] for field in fields}
            self.stdout.write(
                json.dumps(row, ensure_ascii=False) if as_json else "  ".join(map(str, row.values()))
            )
