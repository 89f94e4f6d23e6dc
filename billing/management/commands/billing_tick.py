from django.core.management.base import BaseCommand, CommandError

from billing.lifecycle.tick import billing_tick


class Command(BaseCommand):
    help = (
        "Bring every due account up to now (R9.1): scheduled changes, renewals, invoices, trial ends, "
        "dunning steps, suspensions and data deletion; data exports whose worker died and invoice PDFs no "
        "worker built; renewal and card expiry reminders; first, payments a "
        "crash left unanswered; last, a reconciliation with the payment provider. Idempotent: run it as "
        "often as you like (cron, timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=1, help="Threads sharing the work (PostgreSQL).")

    def handle(self, *args, workers, **options):
        report = billing_tick(workers=workers)
        self.stdout.write(f"Advanced {report.accounts} account(s): {report.actions} action(s).")
        if any(report.exports.values()):
            self.stdout.write(
                "Data exports whose worker stopped: {requeued} queued again, {failed} failed.".format(
                    **report.exports
                )
            )
        if report.reminders:
            self.stdout.write(f"Renewal and card expiry reminders: {report.reminders} written.")
        if report.documents:
            self.stdout.write(f"Invoice PDFs no worker had built: {report.documents} built.")
        if report.mismatches:
            self.stderr.write(
                f"{report.mismatches} payment mismatch(es) between the provider and our records: "
                "see `billing_reconcile` or Payment mismatches in /staff/."
            )
        if report.unanswered:
            self.stderr.write(
                f"{report.unanswered} payment(s) got no answer from the provider: "
                "the next tick sends them again."
            )
        for pk, error in report.failed:
            self.stderr.write(f"Account {pk} failed: {error}")
        if report.failed:
            raise CommandError(f"{len(report.failed)} account(s) failed; the others were advanced.")
