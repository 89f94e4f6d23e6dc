"""What the billing clock will have to do for an account, and when."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Due:
    at: datetime
    order: int  # among actions due at the same moment, lower first
    run: Callable[[datetime], str]  # does the action at the account's now; returns its name for the report
