from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.access import sign_in_refusal
from accounts.selectors import membership_for


class SignInForm(AuthenticationForm):
    """Email + password (R1.1). Members of an account that may not be used are refused with the reason
    (the installed rule: R5.3, R8.5)."""

    username = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email or password is not correct."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        membership = membership_for(user)
        reason = sign_in_refusal(membership) if membership is not None else None
        if reason:
            raise forms.ValidationError(reason, code="account_closed")
