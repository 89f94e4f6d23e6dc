from django.conf import settings
from django.contrib import auth, messages
from django.shortcuts import redirect
from django.utils import translation

from accounts.messages import ACCOUNT_CANCELLED
from accounts.models import Account
from accounts.selectors import membership_for


class MembershipMiddleware:
    """Puts the signed-in user's membership on `request.membership` and speaks the account's language.

    A member of a cancelled account is signed out on their next request (R5.3, R7.7): the session of a
    user who signed in before the cancellation took effect does not outlive it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = membership = membership_for(request.user)
        if membership is not None:
            if membership.account.status == Account.Status.CANCELLED:
                auth.logout(request)
                messages.error(request, ACCOUNT_CANCELLED)
                return redirect(settings.LOGIN_URL)
            # An explicit choice (the EN/FR switch sets the cookie) wins over the account's language.
            if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(membership.account.language)
                request.LANGUAGE_CODE = membership.account.language
        return self.get_response(request)
