"""Crash points, for the crash tests (R8.8, docs/payments.md).

`BILLING_CRASH_AT=<point>[:<n>]` makes the process kill itself with SIGKILL the n-th time (default: the
first) it reaches the named point: no `finally`, no rollback handler, no flush — as a power cut or the OOM
killer would. Unset, as in production, a point costs one string comparison.
"""

import os
import signal

POINTS = {
    "mid-batch": "inside a transaction of the billing clock, before it commits (renewals written)",
    "intent-committed": "after the intents committed, before the provider is called",
    "provider-answered": "after the provider answered, before the answers are recorded",
    "answer-recorded": "after the answers and what they mean committed, before the next batch",
    "email-claimed": "after an email of the outbox was claimed, before it is handed to the mail server",
    "email-sent": "after the mail server accepted an email, before the outbox records it sent",
    "export-building": "in a data export's progress step, after its progress and heartbeat committed",
}
_point, _, _nth = os.environ.get("BILLING_CRASH_AT", "").partition(":")
_reached = 0


def point(name: str) -> None:
    global _reached
    if name != _point:
        return
    _reached += 1
    if _reached >= int(_nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
