from django.conf import settings

from accounts.access import temporary_reactivation_until
from accounts.policy import Capabilities
from billing.lifecycle import dunning_banner_case
from billing.page_cache import banner_flags
from billing.selectors import pending_account_cancellation


def admin_center(request):
    """What every Admin Center page needs: the member, the `can` object (R2) and account-wide banners."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"can": Capabilities(None)}
    account = membership.account
    has_open_dunning_case, has_pending_cancellation = banner_flags(account)
    return {
        "support_email": settings.SUPPORT_EMAIL,
        "membership": membership,
        "current_account": account,
        "can": Capabilities(membership),
        # Looked up only for the accounts that show one.
        "pending_cancellation": pending_account_cancellation(account) if has_pending_cancellation else None,
        "dunning_case": dunning_banner_case(membership) if has_open_dunning_case else None,
        "limited_until": temporary_reactivation_until(account)
        if getattr(request, "limited_access", False)
        else None,
    }
