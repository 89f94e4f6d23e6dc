"""Who may sign in to an account, as a rule another app installs.

accounts knows people, accounts and roles, not why an account stopped: the billing app knows the lifecycle
(cancelled, cancelled for non-payment, trial expired, a temporary reactivation) and installs its rule when
Django starts (billing/apps.py). Without one, members of any account may sign in.
"""

from collections.abc import Callable

from accounts.models import Membership

SignInRule = Callable[[Membership], str | None]  # the reason a member may not sign in, or None
_rules: list[SignInRule] = []


def install_sign_in_rule(rule: SignInRule) -> None:
    if rule not in _rules:
        _rules.append(rule)


def sign_in_refusal(membership: Membership) -> str | None:
    """Why this member may not sign in now, or None."""
    return next((reason for rule in _rules if (reason := rule(membership))), None)
