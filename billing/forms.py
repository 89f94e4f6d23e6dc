import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.countries import compact_vat_number, country_choices
from accounts.models import Account
from billing.models import (
    BillingEvent,
    CancellationReason,
    Cycle,
    Edition,
    Subscription,
    SubscriptionChangeRequest,
)
from billing.months import months_between
from billing.quotes import MAX_SEATS
from billing.selectors.cancellations import WarningCode
from billing.selectors.changes import ChangeKind, ChangeSpec
from billing.services.card_setup import SETUP_UNUSABLE
from billing.services.support_requests import asked_invoices_problem


class OneValueEach:
    """A field sent twice is tampering: refuse it instead of silently keeping the last value (Django's
    default). Multiple-choice fields, which a browser does send several times, are left alone."""

    def clean(self):
        cleaned = super().clean()
        getlist = getattr(self.data, "getlist", None)
        for name, field in self.fields.items():
            if (
                getlist
                and not isinstance(field, forms.MultipleChoiceField)
                and len(getlist(self.add_prefix(name))) > 1
            ):
                self.add_error(name, _("This field was sent more than once."))
        return cleaned


WIDGETS = "django/forms/widgets/"
INPUTS = {
    f"{WIDGETS}{name}.html" for name in ("input", "text", "email", "number", "hidden", "password", "date")
}


def _attrs(attrs: dict) -> str:
    """What django/forms/widgets/attrs.html writes: `name` for True, nothing for False, else name="value"."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else format_html(' value="{}"', str(widget["value"]))
    return format_html(
        '<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], value, _attrs(widget["attrs"])
    )


def _textarea(widget: dict) -> str:
    attrs = _attrs(widget["attrs"])
    return format_html('<textarea name="{}"{}>\n{}</textarea>', widget["name"], attrs, widget["value"] or "")


def _select(widget: dict) -> str:
    options = mark_safe(
        "".join(
            format_html(
                '\n  <option value="{}"{}>{}</option>\n', str(o["value"]), _attrs(o["attrs"]), o["label"]
            )
            for _group, choices, _index in widget["optgroups"]
            for o in choices
        )
    )
    return format_html('<select name="{}"{}>{}\n</select>', widget["name"], _attrs(widget["attrs"]), options)


class WidgetRenderer(DjangoTemplates):
    """Django's form renderer, with the inputs, text areas and selects of the app's forms written in Python.

    Django renders each widget through two or three templates (0.07 ms an input) and each option of a select
    through its own (0.4 ms for the survey's nine reasons); this writes the same markup, character for
    character (tests/billing/test_form_rendering.py), for a fraction. Anything else goes to the templates."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name in INPUTS:
            return _input(widget)
        if template_name == f"{WIDGETS}textarea.html":
            return _textarea(widget)
        if template_name == f"{WIDGETS}select.html" and not any(group for group, *_ in widget["optgroups"]):
            return _select(widget)
        return super().render(template_name, context, request)


class WholeNumberField(forms.IntegerField):
    """A whole number typed in the digits 0-9 only (a minus sign is left to the field's minimum to refuse).
    Python's int() also reads "1_000", "３" and "٣", which nobody types as a seat count and which must not
    price a change (a preview once read "1_000" as 1000)."""

    default_error_messages = {"invalid": _("Enter a whole number, in the digits 0 to 9.")}

    def to_python(self, value):
        if value not in self.empty_values and not re.fullmatch(r"\s*-?[0-9]+\s*", str(value)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class NeverSentBack(forms.TextInput):
    """An input whose value a page never carries back: the card number is typed, sent to the gateway and
    forgotten — a refused card's page shows the form empty (the security code is a PasswordInput)."""

    def format_value(self, value):
        return None


class Form(OneValueEach, forms.Form):
    default_renderer = WidgetRenderer()


class ModelForm(OneValueEach, forms.ModelForm):
    default_renderer = WidgetRenderer()


class ChangeRequestForm(ModelForm):
    class Meta:
        model = SubscriptionChangeRequest
        fields = ["what", "why"]
        widgets = {"why": forms.Textarea(attrs={"rows": 3})}


class ItemForm(Form):
    """The product a "Remove" or "Put back" button posts. Anything but a positive id is refused."""

    item = WholeNumberField(min_value=1, max_value=2**63 - 1)


class KeepForm(Form):
    """R5.9: the confirmation "Keep my subscription" withdraws. Anything but a positive id is refused."""

    cancellation = WholeNumberField(min_value=1, max_value=2**63 - 1)


# R4.4, R5.2, R7.2: no reason is preselected — the owner, or staff recording a notice, must choose one.
REASON_CHOICES = [("", "—"), *CancellationReason.choices]


class SurveyForm(Form):
    """R4.4, R5.2: a required reason from a fixed list and an optional explanation."""

    reason = forms.ChoiceField(label=_("Why are you cancelling?"), choices=REASON_CHOICES)
    explanation = forms.CharField(
        label=_("Anything else you would like to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    token = forms.UUIDField(widget=forms.HiddenInput)


class AccountCancelForm(SurveyForm):
    """R5.6: before cancelling the account, the owner says they exported their data or do not need it."""

    exported = forms.BooleanField(label=_("I have exported my data, or I do not need it"))


class RemovalConfirmForm(SurveyForm):
    """Each warning that changes the outcome has its own checkbox (R4.6, R4.7)."""

    acknowledge = forms.MultipleChoiceField(
        required=False, choices=[(code.value, code.value) for code in WarningCode]
    )


class ChangeForm(Form):
    """Any change of the Manage page (R6.2); which fields matter depends on `kind`."""

    kind = forms.ChoiceField(choices=[(kind.value, kind.value) for kind in ChangeKind])
    item = WholeNumberField(min_value=1, max_value=2**63 - 1, required=False)
    seats = WholeNumberField(label=_("Seats"), min_value=1, max_value=MAX_SEATS, required=False)
    product = forms.SlugField(label=_("Product"), required=False)
    edition = forms.ChoiceField(label=_("Edition"), choices=[("", "—"), *Edition.choices], required=False)
    cycle = forms.ChoiceField(choices=[("", "—"), *Cycle.choices], required=False)
    payment_type = forms.ChoiceField(choices=[("", "—"), *Subscription.PaymentType.choices], required=False)
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def spec(self) -> ChangeSpec:
        data = self.cleaned_data
        fields = ("item", "seats", "product", "edition", "cycle", "payment_type", "until")
        return ChangeSpec(kind=ChangeKind(data["kind"]), **{name: data.get(name) or None for name in fields})


def flag_field():
    """A hidden yes/no: "1" or absent. Anything else is tampering and a form error, not a "yes"."""
    return forms.TypedChoiceField(
        choices=[("1", "1")], coerce=lambda value: value == "1", required=False, empty_value=False
    )


class MemberRoleForm(Form):
    member = WholeNumberField(min_value=1, max_value=2**63 - 1)
    grant = flag_field()


class SuccessorForm(Form):
    """R1.5: to whom the ownership goes, among the account's admins and billing admins (staff use it)."""

    successor = forms.TypedChoiceField(label=_("New owner"), coerce=int)

    def __init__(self, *args, successors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].choices = [
            (member.pk, f"{member.user.email} · {member.role_label}") for member in successors
        ]


class OwnershipTransferForm(SuccessorForm):
    """The owner's own transfer: to whom, and their explicit confirmation that they become an admin."""

    confirm = forms.BooleanField(
        label=_(
            "I understand that I become an admin and can no longer update the card, cancel the account "
            "or export its data."
        ),
        error_messages={"required": _("Tick the box to confirm the transfer.")},
    )


class CardForm(Form):
    """R8.4. The number and the security code go to the gateway and are never stored."""

    number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        widget=NeverSentBack(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    exp_month = WholeNumberField(label=_("Expiry month"), min_value=1, max_value=12)
    exp_year = WholeNumberField(label=_("Expiry year"), min_value=2000, max_value=2100)
    cvc = forms.RegexField(label=_("Security code"), regex=r"^[0-9]{3,4}$", widget=forms.PasswordInput)
    attempt_key = forms.UUIDField(widget=forms.HiddenInput)


class StripeCardForm(Form):
    """R8.4 under Stripe: the card is typed into Stripe's field; only its SetupIntent's id comes back."""

    no_card = _("Enter the card in the card field, then save it.")
    setup_intent = forms.RegexField(
        regex=r"^seti_[A-Za-z0-9]{1,90}$",
        widget=forms.HiddenInput,
        error_messages={"required": no_card, "invalid": SETUP_UNUSABLE},
    )
    attempt_key = forms.UUIDField(widget=forms.HiddenInput)


class BillingAddressForm(ModelForm):
    """The buyer printed on future invoices: a name and an address are required, so a stray or empty
    submission cannot leave the next invoice without a buyer."""

    billing_country = forms.ChoiceField(label=_("Country"), choices=lambda: [("", "—"), *country_choices()])
    vat_number = forms.CharField(
        label=_("VAT number"),
        required=False,
        max_length=40,  # as typed, with spaces and dots; stored compact (20 at most)
        help_text=_("Businesses in the EU: with its country prefix, for example FR40303265045."),
    )
    is_business = forms.TypedChoiceField(
        label=_("Buying as"),
        choices=[(True, _("A business")), (False, _("A consumer (personal use)"))],
        coerce=lambda value: value == "True",
        help_text=_("With the country and the VAT number, it decides the VAT on your invoices."),
    )

    class Meta:
        model = Account
        fields = [
            "billing_name",
            "billing_address",
            "billing_country",
            "vat_number",
            "is_business",
            "purchase_order",
        ]
        widgets = {"billing_address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["billing_name"].required = True
        self.fields["billing_address"].required = True

    def clean_vat_number(self):
        return compact_vat_number(self.cleaned_data["vat_number"])  # checked against the country by Account


class ContactForm(Form):
    email = forms.EmailField(label=_("Email"))


class ContactRemoveForm(Form):
    contact = WholeNumberField(min_value=1, max_value=2**63 - 1)


class DecisionForm(Form):
    request = WholeNumberField(min_value=1, max_value=2**63 - 1)
    approve = flag_field()


class HistoryFilterForm(Form):
    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Everything")), *BillingEvent.Kind.choices],
    )


class MonthInput(forms.TextInput):
    """A month picker where the browser has one; elsewhere a text input that takes "2026-11"."""

    input_type = "month"


class MonthField(forms.CharField):
    """A calendar month typed YYYY-MM (what a month picker sends), cleaned to its first day."""

    widget = MonthInput
    default_error_messages = {"invalid": _("Enter a month such as 2026-11 (year, then month).")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        found = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value)
        if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 2000:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return date(int(found[1]), int(found[2]), 1)


MAX_ARCHIVE_MONTHS = 12  # a year of invoices: built in memory, in one request
END_BEFORE_START = _("The last month cannot come before the first one.")
TOO_MANY_MONTHS = _("Choose at most %(max)s months at a time.")


class InvoiceArchiveForm(Form):
    """R8.1: the months whose invoices to download, from the first to the last, both included."""

    start = MonthField(label=_("From month"), help_text=_("For example 2026-01."))
    end = MonthField(label=_("To month"), help_text=_("Included."))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            months = months_between(start, end)
            if months < 1:
                self.add_error("end", END_BEFORE_START)
            elif months > MAX_ARCHIVE_MONTHS:
                self.add_error("end", TOO_MANY_MONTHS % {"max": MAX_ARCHIVE_MONTHS})
        return cleaned


STALE_FORM = {
    code: _("This form is out of date: reload the page and send it again.")
    for code in ("invalid", "required")
}


class InvoiceCopyRequestForm(Form):
    """R8.10: a period of months, or one invoice's number, and a message. `today` is the account's."""

    key = forms.UUIDField(widget=forms.HiddenInput, error_messages=STALE_FORM)
    period_from = MonthField(label=_("From (month)"), required=False)
    period_to = MonthField(label=_("To (month)"), required=False)
    invoice_number = forms.RegexField(
        label=_("Or the invoice number"),
        regex=r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$",
        max_length=40,
        required=False,
        error_messages={"invalid": _("An invoice number has letters, digits and dashes, as INV-0001-00004.")},
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        problem = asked_invoices_problem(
            cleaned.get("period_from"),
            cleaned.get("period_to"),
            cleaned.get("invoice_number", ""),
            self.today,
        )
        if problem:
            raise ValidationError(problem)
        return cleaned


class ReactivationRequestForm(Form):
    """R8.10: the sign-in refusal's request for a temporary reactivation."""

    key = forms.UUIDField(error_messages=STALE_FORM)
    message = forms.CharField(max_length=2000, required=False)
