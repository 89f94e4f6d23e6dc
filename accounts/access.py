"""Who may sign in to an account.

An account that is not active may not be used: that much accounts knows. Why it stopped (cancelled,
cancelled for non-payment, trial expired, data deleted) and the one exception (an owner under a temporary
reactivation) belong to the billing lifecycle, which installs its rule when Django starts (billing/apps.py)
and then decides alone.
"""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Membership

SignInRule = Callable[[Membership], str | None]  # the reason a member may not sign in, or None
ACCOUNT_NOT_ACTIVE = _("This account is not active: nobody can sign in.")


def _account_is_active(membership: Membership) -> str | None:
    return None if membership.account.status == Account.Status.ACTIVE else str(ACCOUNT_NOT_ACTIVE)


_rule: list[SignInRule] = [_account_is_active]


def install_sign_in_rule(rule: SignInRule) -> None:
    _rule[:] = [rule]


def sign_in_refusal(membership: Membership) -> str | None:
    """Why this member may not sign in now, or None."""
    return _rule[0](membership)
