"""R1.5, in the database: an account that has an owner keeps one (and, issue 19, a person's language).

"At most one" is the partial unique index of 0002. "At least one" is a trigger on the memberships: taking
the owner role away from an account's only owner (a change of role, a move to another account, a delete)
is refused, unless the account's data was deleted (R8.6) or the account itself is gone.

PostgreSQL checks at commit (a deferred constraint trigger), so a transfer may demote, then promote. SQLite's
triggers cannot wait for the commit: there, a transfer hands the role over through `owner_handover`, an
in-between role that only the transfer service writes and finishes in the same transaction
(billing.services.members.ownership_transfer).

SQLite drops a table's triggers when Django rebuilds the table (an altered column): a migration that alters
accounts_membership on SQLite must create them again (tests/accounts/test_owner_constraint.py fails if not).
"""

from django.db import migrations, models

KEEPS_AN_OWNER = """
    EXISTS (SELECT 1 FROM accounts_account a WHERE a.id = OLD.account_id AND a.status <> 'deleted')
    AND NOT EXISTS (SELECT 1 FROM accounts_membership m WHERE m.account_id = OLD.account_id AND m.role = 'owner')
"""
OWNER_ROLES = "('owner', 'owner_handover')"
MESSAGE = "R1.5: an account keeps exactly one owner; transfer the ownership first"

SQLITE = [
    f"""CREATE TRIGGER membership_keeps_owner_on_update AFTER UPDATE OF role, account_id ON accounts_membership
    WHEN OLD.role IN {OWNER_ROLES} AND (NEW.role NOT IN {OWNER_ROLES} OR NEW.account_id <> OLD.account_id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}') WHERE {KEEPS_AN_OWNER}; END""",
    f"""CREATE TRIGGER membership_keeps_owner_on_delete AFTER DELETE ON accounts_membership
    WHEN OLD.role IN {OWNER_ROLES}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}') WHERE {KEEPS_AN_OWNER}; END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS membership_keeps_owner_on_update",
    "DROP TRIGGER IF EXISTS membership_keeps_owner_on_delete",
]
POSTGRESQL = [
    f"""CREATE FUNCTION accounts_membership_keeps_owner() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF {KEEPS_AN_OWNER} THEN
            RAISE EXCEPTION '{MESSAGE} (account %%)', OLD.account_id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE CONSTRAINT TRIGGER membership_keeps_owner AFTER UPDATE OR DELETE ON accounts_membership
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.role IN {OWNER_ROLES})
    EXECUTE FUNCTION accounts_membership_keeps_owner()""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS membership_keeps_owner ON accounts_membership",
    "DROP FUNCTION IF EXISTS accounts_membership_keeps_owner()",
]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_account_test_clock")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN}),
        ),
        # Issue 19 (R10.1): the language a person chose with the EN/FR switch; blank, none chosen.
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[("en", "English"), ("fr", "Français")],
                max_length=5,
                verbose_name="language",
            ),
        ),
    ]
