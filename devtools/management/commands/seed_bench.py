"""Fill the database for the page benchmark (`make bench`): N more accounts beside the demo."""

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from devtools.bench_data import create_bench_accounts, create_bench_owners
from devtools.demo import PASSWORD


class Command(BaseCommand):
    help = "Add N self-service accounts with an owner, a subscription and a card (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=10_000)
        parser.add_argument("--due-every", type=int, default=20, help="One account in N is due now.")
        parser.add_argument("--declined-every", type=int, default=0, help="One card in N is declined.")

    @transaction.atomic
    def handle(self, *args, accounts, due_every, declined_every, **options):
        existing = Account.objects.filter(name__startswith="Bench ").count()
        if existing >= accounts:
            self.stdout.write(f"{existing:,} bench accounts already there; nothing changed.")
            return
        created = create_bench_accounts(
            accounts - existing, now=timezone.now(), due_every=due_every, declined_every=declined_every
        )
        create_bench_owners(created, password_hash=make_password(PASSWORD))
        self.stdout.write(f"Added {len(created):,} accounts with their owners.")
