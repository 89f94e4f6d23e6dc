import uuid

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.forms.forms import NON_FIELD_ERRORS
from django.shortcuts import redirect

from accounts import policy
from accounts.access import refused_sign_in_remember, sign_in_offer
from accounts.forms import SignInForm
from accounts.selectors import membership_for


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        """A refusal after the right password may offer a request to support (R8.10: the owner of an account
        cancelled for non-payment asks for a temporary reactivation). A wrong password gets the same page
        as any failed sign-in: nothing tells whether the email exists or what its account is."""
        user = form.get_user()  # set only when the password was right
        offer = None
        if user is not None and form.has_error(NON_FIELD_ERRORS, "account_closed"):
            membership = membership_for(user)
            offer = sign_in_offer(membership) if membership is not None else None
            if offer:
                refused_sign_in_remember(self.request, user)
        context = self.get_context_data(form=form, offer=offer, offer_key=uuid.uuid4())
        return self.render_to_response(context)


@login_required
def landing(request):
    """Where sign-in leads: billing users to the Subscription page, agents home, staff to /staff/."""
    if request.membership is None and request.user.is_staff:
        return redirect("admin:index")
    if policy.can(request.membership, policy.Action.VIEW_SUBSCRIPTION):
        return redirect("billing:subscription")
    return redirect("billing:home")
