"""The suite runs on its own clock (tests/conftest.py): from TODAY whatever the real date, in this process
and in the Python children it starts, so that dates the pages compute from the demo stay the same."""

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from tests.helpers import TODAY


def test_the_suite_starts_its_clock_at_today_and_ticks():
    first = datetime.now(UTC)
    assert TODAY <= first < TODAY + timedelta(hours=6)  # a whole suite takes minutes, not hours
    time.sleep(0.01)
    assert datetime.now(UTC) > first


def test_a_child_process_reads_the_same_clock_as_the_suite():
    before = time.time()
    child = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"], capture_output=True, text=True, check=True
    )
    after = time.time()
    assert before <= float(child.stdout) <= after
