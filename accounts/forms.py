from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.access import access_for
from accounts.messages import CLOSED_ACCOUNT_MESSAGES
from accounts.selectors import membership_for


class SignInForm(AuthenticationForm):
    """Email + password (R1.1). Members of a closed account are refused with the reason (R5.3, R8.5)."""

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
        if membership is not None and access_for(membership) == "closed":
            raise forms.ValidationError(
                CLOSED_ACCOUNT_MESSAGES[membership.account.status], code="account_closed"
            )
