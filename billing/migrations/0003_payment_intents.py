"""R8.8: payment attempts become intents with an outcome (pending, succeeded, failed), sent again with what
they were sent with (the token, the reference they act on), answered when; reconciliation's findings are
kept for staff.
Attempts made before were all answered: their outcome is the old `succeeded` flag. Invoice numbers, which
the provider's ledger refers to, become unique and indexed.
Invoice documents (R8.9) are stored once: the database refuses to rewrite a built one; the invoices already
finalized owe theirs (the billing clock builds them). Emails say which PDF of their invoice they attach (its
document or its receipt).
Support requests (R8.10): missing invoices or copies, and temporary reactivations, answered by staff.
The account as the payment provider knows it (Stripe's Customer, issue 20), created once and kept.
Stripe webhook events (issue 20) are recorded once each.
Data exports (issue 16) count their attempts, record the worker's heartbeat and why they stopped, can be
cancelled by staff, and are one in progress per account: duplicates left by racing requests are failed
first, the newest kept.
Staff insights (issue 22): a snapshot of each account once a month, and the permission to view them."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

def outcomes_from_succeeded(apps, schema_editor):
    attempts = apps.get_model("billing", "PaymentAttempt").objects
    attempts.filter(succeeded=True).update(status="succeeded")
    attempts.filter(succeeded=False).update(status="failed")

def succeeded_from_outcomes(apps, schema_editor):
    attempts = apps.get_model("billing", "PaymentAttempt").objects
    attempts.update(succeeded=models.Q(status="succeeded"))

def one_export_in_progress(apps, schema_editor):
    exports = apps.get_model("billing", "DataExport").objects
    in_progress = exports.filter(status__in=["queued", "building"]).order_by("account_id", "-created_at", "-id")
    kept = set()
    for export in in_progress.only("pk", "account_id"):
        if export.account_id in kept:
            exports.filter(pk=export.pk).update(status="failed", failure="duplicate of a newer export")
        kept.add(export.account_id)

def documents_owed(apps, schema_editor):
    """Every invoice finalized before documents were stored owes its PDF: the billing clock builds them, a
    hundred a tick (`billing_documents` builds them all at once)."""
    invoices = apps.get_model("billing", "Invoice").objects.exclude(status="draft")
    documents = apps.get_model("billing", "InvoiceDocument").objects
    now = timezone.now()
    for start in range(0, invoices.count(), 1000):
        batch = invoices.order_by("pk").values_list("pk", flat=True)[start : start + 1000]
        documents.bulk_create([documents.model(invoice_id=pk, build_by=now) for pk in batch])

# R8.9: an invoice's PDF is stored once and served as stored; the database refuses to rewrite a built one
# (as it refuses to rewrite the invoice, 0002). On SQLite, a later migration that alters the table drops the
# trigger: recreate it there.
DOCUMENT_FROZEN = "An invoice document is stored once and never rewritten"
DOCUMENT_FROZEN_SQLITE = [
    f"""CREATE TRIGGER billing_invoicedocument_frozen BEFORE UPDATE ON billing_invoicedocument
    WHEN OLD.pdf IS NOT NULL BEGIN SELECT RAISE(ABORT, '{DOCUMENT_FROZEN}'); END""",
]
DOCUMENT_THAWED_SQLITE = ["DROP TRIGGER billing_invoicedocument_frozen"]
DOCUMENT_FROZEN_POSTGRESQL = [
    f"""CREATE FUNCTION billing_invoicedocument_guard() RETURNS trigger AS $$
    BEGIN
      IF OLD.pdf IS NOT NULL THEN RAISE EXCEPTION '{DOCUMENT_FROZEN}'; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER billing_invoicedocument_guard BEFORE UPDATE ON billing_invoicedocument
    FOR EACH ROW EXECUTE FUNCTION billing_invoicedocument_guard()""",
]
DOCUMENT_THAWED_POSTGRESQL = [
    "DROP TRIGGER billing_invoicedocument_guard ON billing_invoicedocument",
    "DROP FUNCTION billing_invoicedocument_guard()",
]

def run_by_vendor(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply

class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_account_test_clock'),
        ('billing', '0002_invoice_immutability'),
    ]

    operations = [
        migrations.CreateModel(
            name='PaymentMismatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('unrecorded', 'Money moved with no paid invoice or credit note'), ('missing', 'Paid invoice with no money moved'), ('duplicate', 'Two movements for one invoice or credit note'), ('different', "The provider's record differs from ours")], max_length=12, verbose_name='kind')),
                ('reference', models.CharField(max_length=100, verbose_name='invoice, credit note or quote')),
                ('keys', models.CharField(blank=True, max_length=500, verbose_name='idempotency keys')),
                ('amount', models.BigIntegerField(blank=True, null=True, verbose_name='amount (minor units)')),
                ('currency', models.CharField(blank=True, max_length=3, verbose_name='currency')),
                ('detail', models.CharField(max_length=300, verbose_name='detail')),
                ('found_at', models.DateTimeField(verbose_name='found at')),
            ],
            options={
                'verbose_name': 'payment mismatch',
                'verbose_name_plural': 'payment mismatches',
                'ordering': ['kind', 'reference'],
            },
        ),
        migrations.AddField(
            model_name='paymentattempt',
            name='against',
            field=models.CharField(blank=True, max_length=100, verbose_name='acts on (gateway reference)'),
        ),
        migrations.AddField(
            model_name='paymentattempt',
            name='status',
            field=models.CharField(choices=[('pending', 'Sent, no answer recorded yet'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='pending', max_length=10, verbose_name='status'),
        ),
        migrations.AddField(
            model_name='paymentattempt',
            name='token',
            field=models.CharField(blank=True, max_length=100, verbose_name='gateway token'),
        ),
        migrations.AddField(
            model_name='paymentattempt',
            name='answered_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='answered at'),
        ),
        migrations.RunPython(outcomes_from_succeeded, succeeded_from_outcomes, elidable=False),
        migrations.RemoveField(
            model_name='paymentattempt',
            name='succeeded',
        ),
        migrations.AddIndex(
            model_name='paymentattempt',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['account'], name='payment_attempt_pending'),
        ),
        migrations.AddIndex(
            model_name='paymentattempt',
            index=models.Index(fields=['answered_at'], name='payment_attempt_answered'),
        ),
        migrations.AddConstraint(
            model_name='invoice',
            constraint=models.UniqueConstraint(condition=models.Q(('number', ''), _negated=True), fields=('number',), name='invoice_number_unique'),
        ),
        # Issue 18: the card a charge is asked of; staff record received transfers (a permission); an
        # invoice cancelled by a credit note (France: never voided) is "credited" — a payment state.
        migrations.AddField(
            model_name='paymentattempt',
            name='card_last4',
            field=models.CharField(blank=True, max_length=4, verbose_name="card's last 4 digits"),
        ),
        migrations.AlterModelOptions(
            name='invoice',
            options={'ordering': ['-created_at', '-id'], 'permissions': [('close_invoice', 'Can void an invoice or mark it uncollectible'), ('record_transfer_invoice', 'Can record a received transfer')], 'verbose_name': 'invoice', 'verbose_name_plural': 'invoices'},
        ),
        migrations.AlterField(
            model_name='invoice',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('open', 'Open'), ('paid', 'Paid'), ('void', 'Void'), ('uncollectible', 'Uncollectible'), ('credited', 'Cancelled by a credit note')], default='draft', max_length=14, verbose_name='status'),
        ),
        migrations.AlterModelOptions(
            name='dataexport',
            options={'ordering': ['-created_at', '-id'], 'permissions': [('cancel_dataexport', 'Can cancel a data export being prepared')], 'verbose_name': 'data export', 'verbose_name_plural': 'data exports'},
        ),
        migrations.AddField(
            model_name='dataexport',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='attempts'),
        ),
        migrations.AddField(
            model_name='dataexport',
            name='failure',
            field=models.CharField(blank=True, max_length=200, verbose_name='why it stopped'),
        ),
        migrations.AddField(
            model_name='dataexport',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last sign of life'),
        ),
        migrations.AlterField(
            model_name='dataexport',
            name='status',
            field=models.CharField(choices=[('queued', 'Queued'), ('building', 'Being prepared'), ('ready', 'Ready'), ('failed', 'Failed'), ('cancelled', 'Cancelled by support'), ('expired', 'Expired')], default='queued', max_length=10, verbose_name='status'),
        ),
        migrations.RunPython(one_export_in_progress, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name='dataexport',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['queued', 'building'])), fields=('account',), name='data_export_one_in_progress'),
        ),
        # Issue 16: the email outbox (body, the invoice to attach, the claim, when sent); R1.5: the billing
        # history names ownership transfers.
        migrations.AlterModelOptions(
            name='emaillog',
            options={'ordering': ['-created_at', '-id'], 'verbose_name': 'email', 'verbose_name_plural': 'emails'},
        ),
        migrations.AddField(
            model_name='emaillog',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='attempts'),
        ),
        migrations.AddField(
            model_name='emaillog',
            name='body',
            field=models.TextField(blank=True, verbose_name='body'),
        ),
        migrations.AddField(
            model_name='emaillog',
            name='claimed_until',
            field=models.DateTimeField(blank=True, null=True, verbose_name='claimed until'),
        ),
        migrations.AddField(
            model_name='emaillog',
            name='invoice',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='billing.invoice'),
        ),
        migrations.AddField(
            model_name='emaillog',
            name='last_error',
            field=models.CharField(blank=True, max_length=300, verbose_name='last error'),
        ),
        migrations.AddField(
            model_name='emaillog',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='sent at'),
        ),
        migrations.AddField(
            model_name='emaillog',
            name='attachment',
            field=models.CharField(choices=[('document', "The invoice's PDF"), ('receipt', 'The receipt of its payment'), ('statement', "The account's final statement")], default='document', max_length=10, verbose_name='attachment'),
        ),
        migrations.AlterField(
            model_name='billingevent',
            name='kind',
            field=models.CharField(choices=[('change_requested', 'Change requested'), ('change_request_approved', 'Change request approved'), ('change_request_declined', 'Change request declined'), ('product_removal_scheduled', 'Product removal scheduled'), ('account_cancellation_scheduled', 'Account cancellation scheduled'), ('suite_pricing_end_scheduled', 'End of suite pricing scheduled'), ('scheduled_change_applied', 'Scheduled change applied'), ('scheduled_change_revoked', 'Reinstated by support staff'), ('staff_edit', 'Changed by support staff'), ('seats_added', 'Agent seats added'), ('seats_reduction_scheduled', 'Agent seat removal scheduled'), ('product_added', 'Product added'), ('edition_upgraded', 'Edition upgraded'), ('edition_downgrade_scheduled', 'Edition downgrade scheduled'), ('cycle_change_scheduled', 'Billing cycle change scheduled'), ('payment_type_changed', 'Payment type changed'), ('temporary_seats_extended', 'Temporary seats extended'), ('billing_admin_granted', 'Billing admin role granted'), ('billing_admin_revoked', 'Billing admin role revoked'), ('ownership_transferred', 'Ownership transferred'), ('scheduled_change_undone', 'Pending change undone'), ('invoice_issued', 'Invoice issued'), ('invoice_paid', 'Invoice paid'), ('invoice_closed', 'Invoice voided or written off'), ('period_renewed', 'Subscription renewed'), ('trial_converted', 'Trial converted'), ('trial_expired', 'Trial expired'), ('dunning_step', 'Payment reminder'), ('account_suspended', 'Account cancelled for non-payment'), ('account_reactivated', 'Account reactivated'), ('temporary_reactivation', 'Temporary reactivation'), ('data_deleted', 'Data deleted'), ('test_clock_advanced', 'Test clock advanced'), ('account_terminated', 'Contract terminated early'), ('contract_ended', 'Contract ended without renewal'), ('refund_issued', 'Refund issued'), ('final_statement_issued', 'Final statement issued'), ('data_export_requested', 'Data export requested'), ('data_export_failed', 'Data export failed'), ('data_export_cancelled', 'Data export cancelled by support staff'), ('payment_failed', 'Payment failed'), ('payment_method_updated', 'Card updated'), ('billing_address_changed', 'Billing address changed'), ('billing_contact_added', 'Billing contact added'), ('billing_contact_removed', 'Billing contact removed'), ('billing_contact_requested', 'Billing contact request'), ('billing_contact_request_decided', 'Billing contact request decided'), ('invoice_copy_requested', 'Invoice copy requested'), ('reactivation_requested', 'Temporary reactivation requested'), ('support_request_answered', 'Request answered by support')], max_length=40, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='emaillog',
            name='created_at',
            field=models.DateTimeField(verbose_name='written at'),
        ),
        migrations.AddIndex(
            model_name='emaillog',
            index=models.Index(condition=models.Q(('sent_at', None)), fields=['claimed_until'], name='email_unsent_by_claim'),
        ),
        migrations.CreateModel(
            name='InvoiceDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('pdf', models.BinaryField(null=True, verbose_name='PDF')),
                ('built_at', models.DateTimeField(blank=True, null=True, verbose_name='built at')),
                ('build_by', models.DateTimeField(blank=True, null=True, verbose_name='to be built by')),
                ('invoice', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='document', to='billing.invoice')),
            ],
            options={
                'verbose_name': 'invoice document',
                'verbose_name_plural': 'invoice documents',
                'indexes': [models.Index(condition=models.Q(('pdf', None)), fields=['build_by'], name='invoice_document_owed')],
            },
        ),
        migrations.RunPython(documents_owed, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(
            run_by_vendor({"sqlite": DOCUMENT_FROZEN_SQLITE, "postgresql": DOCUMENT_FROZEN_POSTGRESQL}),
            run_by_vendor({"sqlite": DOCUMENT_THAWED_SQLITE, "postgresql": DOCUMENT_THAWED_POSTGRESQL}),
        ),
        migrations.CreateModel(
            name='ReceivedTransfer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.PositiveIntegerField(verbose_name='amount (minor units)')),
                ('currency', models.CharField(max_length=3, verbose_name='currency')),
                ('received_on', models.DateField(verbose_name='received on')),
                ('reference', models.CharField(max_length=100, verbose_name='bank reference')),
                ('recorded_at', models.DateTimeField(verbose_name='recorded at')),
                ('invoice', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='transfers', to='billing.invoice')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'received transfer',
                'verbose_name_plural': 'received transfers',
                'ordering': ['-received_on', '-id'],
                'constraints': [models.UniqueConstraint(fields=('invoice', 'reference'), name='received_transfer_once')],
            },
        ),
        # Issue 19 (R10.1): the language an email was written in, for its HTML part.
        migrations.AddField(
            model_name='emaillog',
            name='language',
            field=models.CharField(blank=True, max_length=5, verbose_name='language'),
        ),
        # Issue 19: the renewal and card expiry reminders each written (billing.lifecycle.notices).
        migrations.AddField(
            model_name='subscription',
            name='renewal_reminded_for',
            field=models.DateTimeField(blank=True, null=True, verbose_name='renewal reminded for'),
        ),
        migrations.AddField(
            model_name='paymentmethod',
            name='expiry_reminded_for',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='expiry reminded for'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(condition=models.Q(('cycle', 'annual')), fields=['current_period_end'], name='subscription_annual_renewal'),
        ),
        migrations.AddIndex(
            model_name='paymentmethod',
            index=models.Index(fields=['exp_year', 'exp_month'], name='payment_method_expiry'),
        ),
        migrations.CreateModel(
            name='SupportRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('invoice_copy', 'Missing invoice or copy'), ('reactivation', 'Temporary reactivation')], max_length=20, verbose_name='kind')),
                ('key', models.UUIDField(verbose_name='form key')),
                ('period_from', models.DateField(blank=True, null=True, verbose_name='from (month)')),
                ('period_to', models.DateField(blank=True, null=True, verbose_name='to (month)')),
                ('invoice_number', models.CharField(blank=True, max_length=40, verbose_name='invoice number')),
                ('message', models.TextField(blank=True, max_length=2000, verbose_name='message')),
                ('status', models.CharField(choices=[('open', 'Awaiting an answer'), ('answered', 'Answered'), ('closed', 'Closed')], default='open', max_length=10, verbose_name='status')),
                ('reply', models.TextField(blank=True, max_length=4000, verbose_name='reply from support')),
                ('granted_until', models.DateTimeField(blank=True, null=True, verbose_name='reactivated until')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered at')),
                ('created_at', models.DateTimeField(verbose_name='requested at')),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='support_requests', to='accounts.account')),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('invoices', models.ManyToManyField(blank=True, related_name='support_requests', to='billing.invoice', verbose_name='invoices concerned')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='support_requests', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'support request',
                'verbose_name_plural': 'support requests',
                'ordering': ['-created_at', '-id'],
                'constraints': [models.UniqueConstraint(fields=('account', 'key'), name='support_request_once_per_key'), models.UniqueConstraint(condition=models.Q(('kind', 'reactivation'), ('status', 'open')), fields=('account',), name='support_request_one_open_reactivation'), models.CheckConstraint(condition=models.Q(('period_from__isnull', True), ('period_to__isnull', True), ('period_from__lte', models.F('period_to')), _connector='OR'), name='support_request_period_in_order')],
            },
        ),
        # Issue 20 (R12.1): the account's Customer at Stripe, for its SetupIntents and cards.
        migrations.CreateModel(
            name='ProviderCustomer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='idempotency key')),
                ('customer_id', models.CharField(max_length=100, null=True, unique=True, verbose_name='customer at the provider')),
                ('created_at', models.DateTimeField(verbose_name='created at')),
                ('account', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='provider_customer', to='accounts.account')),
            ],
            options={
                'verbose_name': 'customer at the payment provider',
                'verbose_name_plural': 'customers at the payment provider',
            },
        ),
        # Issue 20 (R12.1): each signed Stripe webhook event, recorded once with what it did.
        migrations.CreateModel(
            name='StripeEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_id', models.CharField(max_length=100, unique=True, verbose_name='Stripe event')),
                ('type', models.CharField(max_length=100, verbose_name='type')),
                ('received_at', models.DateTimeField(verbose_name='received at')),
                ('outcome', models.CharField(blank=True, max_length=200, verbose_name='outcome')),
            ],
            options={
                'verbose_name': 'Stripe event',
                'verbose_name_plural': 'Stripe events',
                'ordering': ['-received_at', '-id'],
            },
        ),
        # Issue 22 (R11.1): the monthly account snapshots the insights page reads, and who may read it.
        migrations.CreateModel(
            name='AccountSnapshot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('status', models.CharField(choices=[('active', 'Active'), ('cancelling', 'Cancelling (scheduled)'), ('cancelled', 'Cancelled'), ('dunning', 'In dunning'), ('suspended', 'Suspended for non-payment'), ('trial', 'Trial'), ('other', 'Trial expired or data deleted')], max_length=12, verbose_name='status')),
                ('currency', models.CharField(max_length=3, verbose_name='currency')),
                ('kind', models.CharField(choices=[('managed', 'Managed'), ('online_assisted', 'Online-assisted'), ('self_service', 'Self-service')], max_length=20, verbose_name='account type')),
                ('mrr', models.BigIntegerField(default=0, verbose_name='monthly recurring revenue (minor units)')),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='snapshots', to='accounts.account')),
            ],
            options={
                'verbose_name': 'account snapshot',
                'verbose_name_plural': 'insights',
                'ordering': ['-month', 'account'],
                'permissions': [('view_insights_accountsnapshot', 'Can view the insights')],
                'constraints': [models.UniqueConstraint(fields=('month', 'account'), name='account_snapshot_once_a_month')],
            },
        ),
        migrations.CreateModel(
            name='SnapshotTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('currency', models.CharField(max_length=3, verbose_name='currency')),
                ('kind', models.CharField(choices=[('managed', 'Managed'), ('online_assisted', 'Online-assisted'), ('self_service', 'Self-service')], max_length=20, verbose_name='account type')),
                ('status', models.CharField(choices=[('active', 'Active'), ('cancelling', 'Cancelling (scheduled)'), ('cancelled', 'Cancelled'), ('dunning', 'In dunning'), ('suspended', 'Suspended for non-payment'), ('trial', 'Trial'), ('other', 'Trial expired or data deleted')], max_length=12, verbose_name='status')),
                ('accounts', models.PositiveIntegerField(verbose_name='accounts')),
                ('mrr', models.BigIntegerField(verbose_name='monthly recurring revenue (minor units)')),
            ],
            options={
                'verbose_name': 'snapshot total',
                'verbose_name_plural': 'snapshot totals',
                'ordering': ['month', 'currency', 'kind', 'status'],
                'constraints': [models.UniqueConstraint(fields=('month', 'currency', 'kind', 'status'), name='snapshot_total_once')],
            },
        ),
    ]

# Issue 21 (Factur-X), kept apart from the operations above: each invoice document stores its EN 16931 XML
# beside its PDF. A document is owed until its XML is stored: the documents already built (plain PDFs,
# already sent) keep their PDF and get their XML from the billing clock, a hundred a tick, or from
# `billing_documents`. The trigger lets that one update through — the XML filled, the PDF untouched — and
# still refuses any other change to a built document.
FACTURX_FROZEN_SQLITE = [
    "DROP TRIGGER billing_invoicedocument_frozen",
    f"""CREATE TRIGGER billing_invoicedocument_frozen BEFORE UPDATE ON billing_invoicedocument
    WHEN OLD.pdf IS NOT NULL AND (NEW.pdf IS NOT OLD.pdf OR OLD.xml IS NOT NULL)
    BEGIN SELECT RAISE(ABORT, '{DOCUMENT_FROZEN}'); END""",
]
FACTURX_THAWED_SQLITE = ["DROP TRIGGER billing_invoicedocument_frozen", *DOCUMENT_FROZEN_SQLITE]
FACTURX_FROZEN_POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION billing_invoicedocument_guard() RETURNS trigger AS $$
    BEGIN
      IF OLD.pdf IS NOT NULL AND (NEW.pdf IS DISTINCT FROM OLD.pdf OR OLD.xml IS NOT NULL) THEN
        RAISE EXCEPTION '{DOCUMENT_FROZEN}';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
]
FACTURX_THAWED_POSTGRESQL = [DOCUMENT_FROZEN_POSTGRESQL[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")]


def xml_owed(apps, schema_editor):
    """The documents built on a first download never had a `build_by`: give them one, so that the billing
    clock backfills their XML too."""
    documents = apps.get_model("billing", "InvoiceDocument").objects
    documents.filter(xml=None, build_by=None).update(build_by=timezone.now())


Migration.operations += [
    migrations.AddField(
        model_name='invoicedocument',
        name='xml',
        field=models.BinaryField(null=True, verbose_name='Factur-X XML'),
    ),
    migrations.RemoveIndex(model_name='invoicedocument', name='invoice_document_owed'),
    migrations.AddIndex(
        model_name='invoicedocument',
        index=models.Index(condition=models.Q(('xml', None)), fields=['build_by'], name='invoice_document_owed'),
    ),
    migrations.RunPython(
        run_by_vendor({"sqlite": FACTURX_FROZEN_SQLITE, "postgresql": FACTURX_FROZEN_POSTGRESQL}),
        run_by_vendor({"sqlite": FACTURX_THAWED_SQLITE, "postgresql": FACTURX_THAWED_POSTGRESQL}),
    ),
    migrations.RunPython(xml_owed, migrations.RunPython.noop, elidable=False),
]
