from django.conf import settings

from accounts.access import temporary_reactivation_until
from accounts.policy import Capabilities
from billing.lifecycle import dunning_banner_case
from billing.selectors import pending_account_cancellation


def admin_center(request):
    """What every Admin Center page needs: the member, the `can` object (R2) and account-wide banners."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"can": Capabilities(None)}
    account = membership.account
    return {
        "support_email": settings.SUPPORT_EMAIL,
        "membership": membership,
        "current_account": account,
        "can": Capabilities(membership),
        "pending_cancellation": pending_account_cancellation(account),
        "dunning_case": dunning_banner_case(membership),
        "limited_until": temporary_reactivation_until(account)
        if getattr(request, "limited_access", False)
        else None,
    }
