from django.conf import settings

from accounts.policy import Capabilities


def admin_center(request):
    """What every Admin Center page needs: the member, their account and the `can` object (R2)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"can": Capabilities(None)}
    return {
        "support_email": settings.SUPPORT_EMAIL,
        "membership": membership,
        "current_account": membership.account,
        "can": Capabilities(membership),
    }
