"""The Admin Center home: who you are, the way to the subscription, and the invoices by email (R8.3)."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.decorators import require_membership
from billing.selectors.contacts import active_contact, contact_request_of


@require_membership
@require_safe
def home(request):
    """Every member can ask to receive the invoices, or to stop (R8.3)."""
    membership = request.membership
    context = {
        "is_billing_contact": active_contact(membership.account, membership.user.email) is not None,
        "contact_request": contact_request_of(membership),
    }
    return render(request, "billing/home.html", context)
