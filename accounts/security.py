"""The sign-in throttle (django-axes): the client address it counts failures against, and its refusal for
the other forms that stand in for a sign-in (R8.10)."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or behind our own proxy the address it appended last to X-Forwarded-For.

    Only the proxy's entry is trusted: a client can put anything in the header before it reaches the proxy,
    so taking the left-most address would let an attacker pick a fresh address for every guess.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


def sign_in_throttled(request, email: str):
    """The sign-in throttle's 429 page while this email is locked out from this address, else None. What a
    refused sign-in offers (R8.10) goes through the same lock as the sign-in itself."""
    credentials = {settings.AXES_USERNAME_FORM_FIELD: email}
    if AxesProxyHandler.is_allowed(request, credentials):
        return None
    return get_lockout_response(request, credentials=credentials)
