from django.core.management.base import BaseCommand, CommandError

from billing.services.scheduled_changes import billing_tick


class Command(BaseCommand):
    help = "Bring every account up to now: apply the scheduled changes that are due (R9.1). Idempotent."

    def handle(self, *args, **options):
        report = billing_tick()
        self.stdout.write(f"Applied {len(report.applied)} scheduled change(s).")
        for pk, error in report.failed:
            self.stderr.write(f"Scheduled change {pk} failed: {error}")
        if report.failed:
            raise CommandError(f"{len(report.failed)} scheduled change(s) failed; the others were applied.")
