"""Run functions at the same moment, each in its own thread and database connection."""

import threading

import pytest
from django.db import connection

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs row locks between connections: CI runs this on PostgreSQL (SQLite serialises writers)",
)


def run_together(functions) -> list:
    """Start every function behind one barrier; return their results (or the exceptions they raised)."""
    barrier, results = threading.Barrier(len(functions)), [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # reported to the test, which decides
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
