from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts import policy
from accounts.decorators import require_membership
from accounts.forms import SignInForm
from billing.models import BillingContactRequest
from billing.services.contacts import active_contact


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@login_required
def landing(request):
    """Where sign-in leads: billing users to the Subscription page, agents home, staff to /staff/."""
    if request.membership is None and request.user.is_staff:
        return redirect("admin:index")
    if getattr(request, "limited_access", False):
        return redirect("billing:payment")
    if policy.can(request.membership, policy.Action.VIEW_SUBSCRIPTION):
        return redirect("billing:subscription")
    return redirect("accounts:home")


@require_membership
def home(request):
    """The Admin Center home. Every member can ask to receive the invoices, or to stop (R8.3)."""
    membership = request.membership
    context = {
        "is_billing_contact": active_contact(membership.account, membership.user.email) is not None,
        "contact_request": BillingContactRequest.objects.filter(
            account=membership.account, requested_by=membership.user
        ).first(),
    }
    return render(request, "accounts/home.html", context)
