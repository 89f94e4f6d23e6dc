from django.conf import settings

from accounts.policy import Capabilities
from billing.selectors import pending_account_cancellation


def admin_center(request):
    """What every Admin Center page needs: the member, the `can` object (R2) and account-wide banners."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"can": Capabilities(None)}
    return {
        "support_email": settings.SUPPORT_EMAIL,
        "membership": membership,
        "current_account": membership.account,
        "can": Capabilities(membership),
        "pending_cancellation": pending_account_cancellation(membership.account),
    }
