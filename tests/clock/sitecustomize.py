"""Started by every Python child of the test suite (on its PYTHONPATH, tests/conftest.py): the suite's
clock, shifted by the same offset as the suite's own process, so a child started minutes later still
agrees with its parent on "now"."""

import os

if offset := os.environ.get("TESTS_CLOCK_OFFSET_SECONDS"):
    import time

    import time_machine

    time_machine.travel(time.time() + float(offset), tick=True).start()
    time.time()  # the first read starts the clock ticking (time-machine starts it then, not at start())
