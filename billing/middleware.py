"""Access to the Admin Center by the account's lifecycle status (R5.3, R7.7, R8.5), after
accounts.middleware.MembershipMiddleware has found the member."""

from django.conf import settings
from django.contrib import auth, messages
from django.shortcuts import redirect
from django.utils import translation

from billing.selectors.access import CLOSED_ACCOUNT_MESSAGES, Access, access_for

# Under a temporary reactivation, the owner may only update the card or confirm a payment their bank held
# (and sign out, switch the language).
LIMITED_ACCESS_VIEWS = frozenset(
    {
        "billing:payment",
        "billing:payment_method",
        "billing:payment_confirmation",
        "billing:payment_confirmation_secret",
        "accounts:logout",
        "set_language",
    }
)


class AccountAccessMiddleware:
    """A member of a closed account (cancelled, cancelled for non-payment, trial expired, deleted) is signed
    out on their next request: a session opened before does not outlive it. An owner under a temporary
    reactivation may only update the card (`request.limited_access`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = getattr(request, "membership", None)
        access = access_for(membership) if membership is not None else Access.FULL
        if access == Access.CLOSED:
            auth.logout(request)
            # In the visitor's language, as the sign-in page it leads to (not the account's).
            with translation.override(translation.get_language_from_request(request)):
                messages.error(request, str(CLOSED_ACCOUNT_MESSAGES[membership.account.status]))
            return redirect(settings.LOGIN_URL)
        request.limited_access = access == Access.LIMITED
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Under a temporary reactivation, every page but the card's leads to the card."""
        if request.limited_access and request.resolver_match.view_name not in LIMITED_ACCESS_VIEWS:
            return redirect("billing:payment")
        return None
