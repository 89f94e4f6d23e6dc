from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control

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


# Powerful browser features none of these pages uses: refused to them and to anything they might embed.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"


class PrivateResponseMiddleware:
    """What a signed-in user is shown (billing pages, invoice PDFs, export ZIPs, the staff console) is
    theirs alone: no shared cache or proxy keeps it, and the browser keeps no copy to show after sign-out
    (`Cache-Control: private, no-store`). Every response also gets a Permissions-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
