"""A finalized invoice is immutable but for its payment state, and so are its lines — enforced by the
database itself, so that no code path (the Django admin, a shell, a bulk update) can rewrite an issued
invoice (R8.2). Corrections are credit notes.

Deleting is not a trigger's job (test databases are flushed with DELETE on SQLite): invoices are kept by
PROTECT foreign keys (an account with invoices cannot be deleted) and the admin offers no deletion.
Hand-written, kept apart from the generated schema. Note for later migrations: on SQLite, altering
billing_invoice or billing_invoiceline rebuilds the table and drops these triggers — recreate them in that
migration (tests/billing/test_invoices.py checks them on SQLite and PostgreSQL)."""

from django.db import migrations

FROZEN = [
    "account_id", "kind", "sequence", "number", "currency", "subtotal", "tax_rate_bp", "tax", "total",
    "period_start", "period_end", "credits_id", "created_at", "issued_at", "due_at",
    "seller_name", "seller_address", "seller_country", "seller_vat_number", "seller_bank_name", "seller_iban",
    "seller_bic", "buyer_name", "buyer_address", "buyer_country", "buyer_vat_number", "buyer_is_business",
    "purchase_order", "tax_category", "payment_type", "language",
]
MESSAGE = "A finalized invoice is immutable: issue a credit note instead"

SQLITE = [
    f"""CREATE TRIGGER billing_invoice_frozen BEFORE UPDATE ON billing_invoice
    WHEN OLD.status <> 'draft' AND (NEW.status = 'draft' OR {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN)})
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER billing_invoiceline_frozen_insert BEFORE INSERT ON billing_invoiceline
    WHEN EXISTS (SELECT 1 FROM billing_invoice WHERE id = NEW.invoice_id AND status <> 'draft')
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER billing_invoiceline_frozen_update BEFORE UPDATE ON billing_invoiceline
    WHEN EXISTS (SELECT 1 FROM billing_invoice WHERE id IN (OLD.invoice_id, NEW.invoice_id) AND status <> 'draft')
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER billing_invoice_frozen",
    *[f"DROP TRIGGER billing_invoiceline_frozen_{op}" for op in ("insert", "update")],
]

POSTGRESQL = [
    f"""CREATE FUNCTION billing_invoice_guard() RETURNS trigger AS $$
    BEGIN
      IF OLD.status <> 'draft' THEN
        IF NEW.status = 'draft'
           OR ({", ".join(f"NEW.{c}" for c in FROZEN)}) IS DISTINCT FROM ({", ".join(f"OLD.{c}" for c in FROZEN)}) THEN
          RAISE EXCEPTION '{MESSAGE}';
        END IF;
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER billing_invoice_guard BEFORE UPDATE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_guard()""",
    f"""CREATE FUNCTION billing_invoiceline_guard() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM billing_invoice WHERE status <> 'draft'
                 AND (id = NEW.invoice_id OR (TG_OP = 'UPDATE' AND id = OLD.invoice_id))) THEN
        RAISE EXCEPTION '{MESSAGE}';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER billing_invoiceline_guard BEFORE INSERT OR UPDATE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_guard()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER billing_invoiceline_guard ON billing_invoiceline",
    "DROP FUNCTION billing_invoiceline_guard()",
    "DROP TRIGGER billing_invoice_guard ON billing_invoice",
    "DROP FUNCTION billing_invoice_guard()",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
