"""Billing pages kept in memory by each process, under the account's data version.

A billing page is rendered once and served from memory until anything it shows may have changed: the key
holds the account's data version (billing.models.AccountDataVersion, which database triggers change on every
write to the account's rows, its members' users, its coupons and test clock), the catalog's version, the
member (user and role), the language, the address with its query string and the account's current minute
(time-derived text — "renews in 3 days" — is no staler than a page left open for a minute).

Never kept: POSTs, htmx requests, answers other than 200, and pages with a message to show (the message is
shown once). The CSRF token is rendered as a placeholder and replaced by a fresh token on every answer, so a
kept page never carries another request's token.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from billing.catalog_cache import catalog
from billing.clock import now_for
from billing.models import DunningCase, ScheduledChange

CSRF_PLACEHOLDER = "csrf-token-placeholder-rendered-for-the-page-cache"


def _pages():
    return caches["pages"]


def data_version(account) -> str | None:
    """The account's data version, loaded with the signed-in user (accounts/backends.py)."""
    try:
        return account.data_version.token
    except type(account).data_version.RelatedObjectDoesNotExist:
        return None


def page_key(request) -> str | None:
    """Where this request's page is kept, or None when it must be rendered afresh and not kept."""
    membership = getattr(request, "membership", None)
    if (
        not settings.PAGE_CACHE
        or request.method != "GET"
        or request.htmx
        or membership is None
        or len(get_messages(request))
    ):
        return None
    account = membership.account
    version = data_version(account)
    if version is None:
        return None
    parts = [
        request.get_full_path(),
        account.pk,
        version,
        catalog().token,
        request.user.pk,
        membership.role,
        get_language(),
        now_for(account).strftime("%Y-%m-%dT%H:%M"),
    ]
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _with_fresh_token(body: bytes, request) -> bytes:
    return body.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())


def cached_page(view):
    """Serve the view's page from memory when nothing it shows has changed (see the module's docstring).

    Put it under the view's guard, so the policy decides before anything is served."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        key = page_key(request)
        if key is None:
            return view(request, *args, **kwargs)
        body = _pages().get(key)
        if body is not None:
            return HttpResponse(_with_fresh_token(body, request))
        request.render_csrf_placeholder = True
        try:
            response = view(request, *args, **kwargs)
        finally:
            request.render_csrf_placeholder = False
        if response.status_code == 200 and not response.cookies and not len(get_messages(request)):
            _pages().set(key, response.content)
        response.content = _with_fresh_token(response.content, request)
        return response

    return wrapper


def csrf_placeholder(request):
    """Context processor: while a page is rendered to be kept, its CSRF tokens are a placeholder."""
    if getattr(request, "render_csrf_placeholder", False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}


def banner_flags(account) -> tuple[bool, bool]:
    """(an open dunning case, a pending account cancellation): whether the layout's banners need a lookup.

    Kept under the account's data version, so a page served from the layout alone asks nothing."""
    version = data_version(account)
    key = f"banners:{account.pk}:{version}"
    flags = _pages().get(key) if version else None
    if flags is None:
        row = (
            type(account)
            .objects.filter(pk=account.pk)
            .annotate(
                dunning=Exists(
                    DunningCase.objects.filter(account=OuterRef("pk"), status=DunningCase.Status.OPEN)
                ),
                cancellation=Exists(
                    ScheduledChange.objects.filter(
                        account=OuterRef("pk"),
                        kind=ScheduledChange.Kind.CANCEL_ACCOUNT,
                        applied_at=None,
                        revoked_at=None,
                    )
                ),
            )
            .values_list("dunning", "cancellation")
            .first()
        )
        flags = tuple(row) if row else (False, False)
        if version:
            _pages().set(key, flags)
    return flags
