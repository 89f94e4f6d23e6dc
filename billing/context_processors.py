from billing.selectors.access import temporary_reactivation_until
from billing.selectors.banners import dunning_banner_case, pending_account_cancellation


def banners(request):
    """The account-wide banners of every Admin Center page: a scheduled cancellation, a failed payment
    (R8.5), a temporary reactivation."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    account = membership.account
    return {
        "pending_cancellation": pending_account_cancellation(account),
        "dunning_case": dunning_banner_case(membership),
        "limited_until": temporary_reactivation_until(account)
        if getattr(request, "limited_access", False)
        else None,
    }
