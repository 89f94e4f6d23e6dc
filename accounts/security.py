"""The client address the sign-in throttle counts failures against."""

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
