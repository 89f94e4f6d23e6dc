"""The sandbox payment provider: no network, the test card numbers decide each outcome — and, like a real
provider, a ledger of its own that our database cannot roll back (R8.8).

The ledger is a SQLite file of its own (settings.PAYMENT_SANDBOX_LEDGER), whatever database the app uses: a
second connection to the app's own SQLite file would wait on the app's write lock. Each request is written
durably (WAL, synchronous FULL) before its answer is returned. An idempotency key is honoured like a real
provider honours it: the same key returns the original answer and never moves money again; the same key for
a different request is refused.
"""

import hashlib
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

# The test cards: the number decides what every later call with the card's token does.
DECLINED = "card_declined"
INSUFFICIENT_FUNDS = "insufficient_funds"
EXPIRED = "expired_card"
INVALID_NUMBER = "invalid_number"
# Stripe's only (billing/stripe_provider.py): the bank asks the owner to confirm the payment (strong customer
# authentication, R12.1); no money moved. None of the test cards above asks.
AUTHENTICATION_REQUIRED = "authentication_required"
OUTCOMES = {
    "4242424242424242": None,
    "5555555555554444": None,
    "378282246310005": None,
    "4000000000000002": DECLINED,
    "4000000000009995": INSUFFICIENT_FUNDS,
}
# Operations that move no money of their own and always succeed here: they act on an earlier one.
FOLLOW_UPS = ("void", "capture", "refund")

SCHEMA = """CREATE TABLE IF NOT EXISTS movements (
    key TEXT PRIMARY KEY,
    operation TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    token TEXT NOT NULL,
    reference TEXT NOT NULL,
    outcome TEXT NOT NULL,
    provider_reference TEXT NOT NULL,
    created_at TEXT NOT NULL
)"""
# What reconciliation looks up: the movements made since a moment, and every movement of a document.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS movements_created_at ON movements (created_at)",
    "CREATE INDEX IF NOT EXISTS movements_reference ON movements (reference)",
)
COLUMNS = "key, operation, amount, currency, token, reference, outcome, provider_reference, created_at"
CHUNK = 500  # keys per lookup (SQLite's limit on parameters is 999 on older builds)


# The key was used before for a different request: a real provider refuses that request (and only that
# one, not the others sent with it), and so does this one. It is an error, not an outcome: nothing moved.
IDEMPOTENCY_CONFLICT = "idempotency_conflict"


@dataclass(frozen=True)
class Request:
    operation: str
    key: str
    amount: int
    currency: str
    token: str = ""
    reference: str = ""  # ours: the invoice or credit note number, or the quote's key
    against: str = ""  # the provider's reference of the operation a void, capture or refund acts on


@dataclass(frozen=True)
class Answer:
    succeeded: bool
    failure_code: str = ""
    reference: str = ""  # the provider's


def decide(request: Request) -> Answer:
    """What the sandbox answers to a new request."""
    if request.operation in FOLLOW_UPS:
        return Answer(True, reference=f"{request.operation}_{request.against or request.key}"[:100])
    for code in (DECLINED, INSUFFICIENT_FUNDS):
        if request.token.startswith(f"sandbox_{code}_"):
            return Answer(False, code)
    digest = hashlib.sha256(f"{request.token}:{request.key}".encode()).hexdigest()[:16]
    return Answer(True, reference=f"sbx_{digest}")


def instant(moment: datetime) -> str:
    """The ledger's times: UTC, to the microsecond, so that they sort as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class SandboxProvider:
    # How long a key is honoured: for ever here (a real provider forgets keys: gateway.send looks up what
    # it made under a key older than that before sending it again).
    keys_kept = None

    def __init__(self):
        self._local = threading.local()  # a connection per thread (the clock may run several)

    def _ledger(self) -> sqlite3.Connection:
        path = str(settings.PAYMENT_SANDBOX_LEDGER)
        if getattr(self._local, "path", None) != path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=60, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            for statement in (SCHEMA, *INDEXES):
                connection.execute(statement)
            self._local.connection, self._local.path = connection, path
        return self._local.connection

    def send(self, requests: list[Request]) -> dict[str, Answer]:
        """Answer each request once: a key seen before returns its first answer (the same request) or is
        refused (IDEMPOTENCY_CONFLICT); new ones are decided and written, in one transaction of the ledger."""
        ledger = self._ledger()
        ledger.execute("BEGIN IMMEDIATE")
        try:
            known = self._rows(ledger, [request.key for request in requests])
            answers, new = {}, []
            for request in requests:
                row = known.get(request.key)
                if row is not None:
                    answers[request.key] = self._replay(row, request)
                    continue
                answer = answers[request.key] = decide(request)
                outcome = "succeeded" if answer.succeeded else answer.failure_code
                new.append(
                    (
                        request.key,
                        request.operation,
                        request.amount,
                        request.currency,
                        request.token,
                        request.reference,
                        outcome,
                        answer.reference,
                        instant(datetime.now(UTC)),  # the provider's own clock
                    )
                )
                known[request.key] = new[-1]
            ledger.executemany(f"INSERT INTO movements ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", new)
            ledger.execute("COMMIT")
        except BaseException:
            ledger.execute("ROLLBACK")
            raise
        return answers

    @staticmethod
    def _rows(ledger: sqlite3.Connection, keys: list[str]) -> dict[str, tuple]:
        rows = {}
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            for row in ledger.execute(f"SELECT {COLUMNS} FROM movements WHERE key IN ({marks})", chunk):
                rows[row[0]] = row
        return rows

    @staticmethod
    def _replay(row: tuple, request: Request) -> Answer:
        _key, operation, amount, currency, _token, reference, outcome, provider_reference, _at = row
        if (operation, amount, currency, reference) != (
            request.operation,
            request.amount,
            request.currency,
            request.reference,
        ):
            return Answer(False, IDEMPOTENCY_CONFLICT)
        succeeded = outcome == "succeeded"
        return Answer(succeeded, "" if succeeded else outcome, provider_reference)

    def movements(self, *, since: datetime | None = None, references: list[str] | None = None) -> list[dict]:
        """The ledger, oldest first (what `provider_ledger` prints and reconciliation compares): all of it,
        the movements made since a moment (by the provider's clock), or every movement of some documents."""
        names = [name.strip() for name in COLUMNS.split(",")]
        ledger, select = self._ledger(), f"SELECT {COLUMNS} FROM movements"
        if references is not None:
            rows = []
            for start in range(0, len(references), CHUNK):
                chunk = references[start : start + CHUNK]
                rows += ledger.execute(f"{select} WHERE reference IN ({', '.join('?' * len(chunk))})", chunk)
            rows.sort(key=lambda row: (row[-1], row[0]))
        elif since is not None:
            rows = ledger.execute(
                f"{select} WHERE created_at >= ? ORDER BY created_at, key", [instant(since)]
            )
        else:
            rows = ledger.execute(f"{select} ORDER BY created_at, key")
        return [dict(zip(names, row, strict=True)) for row in rows]
