"""The app's forms write their widgets in Python (billing.forms.WidgetRenderer): the markup must be Django's,
character for character, for every widget and state the forms use."""

import uuid
from datetime import date

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from billing.forms import WidgetRenderer


class Everything(forms.Form):
    text = forms.CharField(label="Text", max_length=20, help_text="Help")
    email = forms.EmailField()
    number = forms.IntegerField(min_value=1, max_value=10)
    hidden = forms.UUIDField(widget=forms.HiddenInput)
    secret = forms.CharField(widget=forms.PasswordInput)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    choice = forms.ChoiceField(choices=[("", "—"), ("a", "A & B"), ("b", '"Quoted"')])
    optional = forms.ChoiceField(required=False, choices=[("x", "X"), ("y", "<Y>")])


STATES = {
    "unbound": {},
    "bound and valid": {
        "text": "hello",
        "email": "a@b.test",
        "number": "3",
        "hidden": str(uuid.UUID(int=1)),
        "secret": "pw",
        "day": str(date(2026, 1, 2)),
        "notes": 'line 1\nline <2> & "3"',
        "choice": "a",
        "optional": "y",
    },
    "bound with errors and markup": {
        "text": "<script>x</script>" * 3,
        "email": "not an email",
        "number": "99",
        "notes": "",
        "choice": "zzz",
    },
}


@pytest.mark.parametrize("state", list(STATES))
def test_every_widget_is_written_as_django_writes_it(state):
    data = STATES[state]
    ours = Everything(data or None, renderer=WidgetRenderer())
    django = Everything(data or None, renderer=DjangoTemplates())
    for name in Everything.base_fields:
        assert str(ours[name]) == str(django[name]), name
