import uuid

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.forms.forms import NON_FIELD_ERRORS
from django.shortcuts import redirect
from django.utils import translation
from django.views import i18n
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.access import refused_sign_in_forget, refused_sign_in_remember, sign_in_offer
from accounts.forms import SignInForm
from accounts.languages import language_chosen, user_language_set
from accounts.selectors import membership_for


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        """A language chosen on the sign-in page, by someone who never chose one, becomes theirs (R10.1)."""
        user = form.get_user()
        refused_sign_in_forget(self.request)  # R8.10: a refusal's offer never outlives a sign-in
        if not user.language and (chosen := language_chosen(self.request)):
            user_language_set(user=user, language=chosen)
        return super().form_valid(form)

    def form_invalid(self, form):
        """A refusal after the right password may offer a request to support (R8.10: the owner of an account
        cancelled for non-payment asks for a temporary reactivation). A wrong password gets the same page
        as any failed sign-in: nothing tells whether the email exists or what its account is."""
        user = form.get_user()  # set only when the password was right
        offer, key = None, str(uuid.uuid4())
        if user is not None and form.has_error(NON_FIELD_ERRORS, "account_closed"):
            membership = membership_for(user)
            offer = sign_in_offer(membership) if membership is not None else None
            if offer:
                refused_sign_in_remember(self.request, user, key)
        context = self.get_context_data(form=form, offer=offer, offer_key=key)
        return self.render_to_response(context)


@require_POST
def language_switch(request):
    """The EN/FR switch (R10.1): Django's `set_language` (a safe redirect back, the cookie that keeps a
    visitor's choice), and for a signed-in person their choice kept on their user."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and translation.check_for_language(language):
        user_language_set(user=request.user, language=language)
    return response


@login_required
def landing(request):
    """Where sign-in leads: billing users to the Subscription page, agents home, staff to /staff/."""
    if request.membership is None and request.user.is_staff:
        return redirect("admin:index")
    if policy.can(request.membership, policy.Action.VIEW_SUBSCRIPTION):
        return redirect("billing:subscription")
    return redirect("billing:home")
