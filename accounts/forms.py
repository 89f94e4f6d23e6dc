from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.messages import ACCOUNT_CANCELLED
from accounts.models import Account, Membership


class SignInForm(AuthenticationForm):
    """Email + password (R1.1). Members of a cancelled account are refused with a clear message (R5.3)."""

    username = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email or password is not correct."),
        "account_cancelled": ACCOUNT_CANCELLED,
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        membership = Membership.objects.select_related("account").filter(user=user).first()
        if membership is not None and membership.account.status == Account.Status.CANCELLED:
            raise forms.ValidationError(self.error_messages["account_cancelled"], code="account_cancelled")
