"""R9.2: one function gives "now" for an account; a test clock attached by staff overrides the real time."""

from datetime import UTC, datetime

import pytest
import time_machine

from billing.clock import now_for
from billing.models import TestClock
from tests.factories import AccountFactory


@pytest.mark.django_db
def test_r9_2_accounts_without_a_test_clock_live_at_the_real_time():
    with time_machine.travel(datetime(2027, 3, 1, 9, 30, tzinfo=UTC), tick=False):
        assert now_for(AccountFactory()) == datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
        assert now_for(None) == datetime(2027, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_r9_2_an_account_with_a_test_clock_lives_at_the_clocks_time():
    clock = TestClock.objects.create(name="Demo", frozen_now=datetime(2028, 1, 1, tzinfo=UTC))
    account = AccountFactory(test_clock=clock)
    with time_machine.travel(datetime(2027, 3, 1, tzinfo=UTC), tick=False):
        assert now_for(account) == datetime(2028, 1, 1, tzinfo=UTC)
