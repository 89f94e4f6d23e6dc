from django.utils.functional import SimpleLazyObject

from billing.selectors.access import temporary_reactivation_until
from billing.selectors.banners import dunning_banner_case, scheduled_endings


def banners(request):
    """The account-wide banners of every Admin Center page: what is scheduled to end (R3.4, R5.9), a failed
    payment (R8.5), a temporary reactivation. Looked up when the layout shows them, unless the page already
    knows (a view that loaded the pending changes puts `scheduled_endings` in its own context)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    account = membership.account
    limited = getattr(request, "limited_access", False)
    return {
        "scheduled_endings": SimpleLazyObject(lambda: scheduled_endings(account)),
        "dunning_case": SimpleLazyObject(lambda: dunning_banner_case(membership)),
        "limited_until": temporary_reactivation_until(account) if limited else None,
        "limited_access": limited,  # the navigation lists only the Payment page
    }
