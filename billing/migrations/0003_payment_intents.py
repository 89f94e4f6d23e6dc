"""R8.8: payment attempts become intents with an outcome (pending, succeeded, failed), sent again with what
they were sent with (the token, the reference they act on), answered when; reconciliation's findings are
kept for staff.
Attempts made before were all answered: their outcome is the old `succeeded` flag. Invoice numbers, which
the provider's ledger refers to, become unique and indexed."""

from django.db import migrations, models


def outcomes_from_succeeded(apps, schema_editor):
    attempts = apps.get_model("billing", "PaymentAttempt").objects
    attempts.filter(succeeded=True).update(status="succeeded")
    attempts.filter(succeeded=False).update(status="failed")


def succeeded_from_outcomes(apps, schema_editor):
    attempts = apps.get_model("billing", "PaymentAttempt").objects
    attempts.update(succeeded=models.Q(status="succeeded"))


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
    ]
