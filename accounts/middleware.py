from django.conf import settings
from django.utils import translation

from accounts.selectors import membership_for


class MembershipMiddleware:
    """Puts the signed-in user's membership on `request.membership` and speaks the account's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = membership = membership_for(request.user)
        # An explicit choice (the EN/FR switch sets the cookie) wins over the account's language.
        if membership is not None and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(membership.account.language)
            request.LANGUAGE_CODE = membership.account.language
        return self.get_response(request)
