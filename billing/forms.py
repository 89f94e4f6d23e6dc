from django import forms

from billing.models import SubscriptionChangeRequest


class ChangeRequestForm(forms.ModelForm):
    class Meta:
        model = SubscriptionChangeRequest
        fields = ["what", "why"]
        widgets = {"why": forms.Textarea(attrs={"rows": 3})}
