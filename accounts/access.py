"""Who may sign in to an account.

An account that is not active may not be used: that much accounts knows. Why it stopped (cancelled,
cancelled for non-payment, trial expired, data deleted), the one exception (an owner under a temporary
reactivation) and what a refused member may ask for instead (R8.10) belong to the billing lifecycle, which
installs its rule when Django starts (billing/apps.py) and then decides alone.
"""

from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Membership, User

SignInRule = Callable[[Membership], str | None]  # the reason a member may not sign in, or None
SignInOffer = Callable[[Membership], str | None]  # the URL a refused member may post a request to, or None
ACCOUNT_NOT_ACTIVE = _("This account is not active: nobody can sign in.")
# A refused sign-in with the right password is remembered in the (server-side) session this long: the
# refusal page's request form needs it, so only someone who knows the password can send one (R8.10).
REFUSED_SIGN_IN = "refused_sign_in"
REFUSED_SIGN_IN_SECONDS = 15 * 60


def _account_is_active(membership: Membership) -> str | None:
    return None if membership.account.status == Account.Status.ACTIVE else str(ACCOUNT_NOT_ACTIVE)


_rule: list[SignInRule] = [_account_is_active]
_offer: list[SignInOffer] = [lambda membership: None]


def install_sign_in_rule(rule: SignInRule, offer: SignInOffer | None = None) -> None:
    _rule[:] = [rule]
    _offer[:] = [offer or (lambda membership: None)]


def sign_in_refusal(membership: Membership) -> str | None:
    """Why this member may not sign in now, or None."""
    return _rule[0](membership)


def sign_in_offer(membership: Membership) -> str | None:
    """Where a refused member may ask for a way back in (R8.10: a temporary reactivation), or None."""
    return _offer[0](membership)


def refused_sign_in_remember(request, user: User, key: str) -> None:
    """The password was right but the account refused: the session remembers who, for a few minutes, and
    the key of the one request this password entry may send (a double click sends it again, harmlessly)."""
    request.session[REFUSED_SIGN_IN] = {"user": user.pk, "at": timezone.now().timestamp(), "key": str(key)}


def refused_sign_in_forget(request) -> None:
    """Forgotten when anyone signs in with this session (a session keeps its data through a sign-in)."""
    request.session.pop(REFUSED_SIGN_IN, None)


def refused_sign_in_user(request, key: str) -> User | None:
    """The user whose password this session gave in the last minutes, refused at sign-in, if `key` is the
    request that password entry offered; None otherwise, and None once someone signed in with it."""
    if request.user.is_authenticated:
        return None
    remembered = request.session.get(REFUSED_SIGN_IN)
    if not isinstance(remembered, dict) or remembered.get("key") != key:
        return None
    age = timezone.now().timestamp() - remembered.get("at", 0)
    if not 0 <= age <= REFUSED_SIGN_IN_SECONDS:
        return None
    return User.objects.filter(pk=remembered.get("user"), is_active=True).first()
