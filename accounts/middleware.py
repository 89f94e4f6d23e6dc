from django.conf import settings
from django.contrib import auth, messages
from django.shortcuts import redirect
from django.utils import translation

from accounts.access import LIMITED_ACCESS_VIEWS, access_for
from accounts.messages import CLOSED_ACCOUNT_MESSAGES
from accounts.selectors import membership_for


class MembershipMiddleware:
    """Puts the signed-in user's membership on `request.membership` and speaks the account's language.

    A member of an account that is closed (cancelled, cancelled for non-payment, trial expired, deleted) is
    signed out on their next request: a session opened before does not outlive it (R5.3, R7.7, R8.5). An
    owner under a temporary reactivation may only update the card (R8.5).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = membership = membership_for(request.user)
        if membership is not None:
            access = access_for(membership)
            if access == "closed":
                auth.logout(request)
                messages.error(request, CLOSED_ACCOUNT_MESSAGES[membership.account.status])
                return redirect(settings.LOGIN_URL)
            request.limited_access = access == "limited"
            # An explicit choice (the EN/FR switch sets the cookie) wins over the account's language.
            if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(membership.account.language)
                request.LANGUAGE_CODE = membership.account.language
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Under a temporary reactivation, every page but the card's (and signing out) leads to the card."""
        if (
            getattr(request, "limited_access", False)
            and request.resolver_match.view_name not in LIMITED_ACCESS_VIEWS
        ):
            return redirect("billing:payment")
        return None
