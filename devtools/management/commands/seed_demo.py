from django.core.management.base import BaseCommand
from django.utils import timezone

from devtools.demo import DEMO_ACCOUNTS, PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo accounts, users and subscriptions (idempotent)."

    def handle(self, *args, **options):
        created = seed_demo(now=timezone.now())
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo loaded: {', '.join(created)}."))
        else:
            self.stdout.write(f"Demo already loaded ({len(DEMO_ACCOUNTS)} accounts); nothing changed.")
        self.stdout.write(f"Every demo user's password is {PASSWORD}")
