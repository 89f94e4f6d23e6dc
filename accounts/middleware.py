from django.utils import translation
from django.utils.cache import patch_cache_control

from accounts.selectors import membership_for


class MembershipMiddleware:
    """Puts the signed-in user's membership on `request.membership` and speaks their language (R10.1)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = membership = membership_for(request.user)
        if language := language_of(request.user, membership):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def language_of(user, membership) -> str:
    """A signed-in person's language: their own choice with the EN/FR switch, else their account's. Blank
    for a visitor, or staff who made no choice: LocaleMiddleware's pick (the switch's cookie, else the
    browser's Accept-Language) stands."""
    if getattr(user, "language", ""):
        return user.language
    return membership.account.language if membership is not None else ""


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
