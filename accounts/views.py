from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from accounts import policy
from accounts.forms import SignInForm


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@login_required
def landing(request):
    """Where sign-in leads: billing users to the Subscription page, agents home, staff to /staff/."""
    if request.membership is None and request.user.is_staff:
        return redirect("admin:index")
    if policy.can(request.membership, policy.Action.VIEW_SUBSCRIPTION):
        return redirect("billing:subscription")
    return redirect("billing:home")
