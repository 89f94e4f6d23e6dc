"""Support staff record the bank transfers received for invoices (R8.9): a form on the invoice, behind the
permission "Can record a received transfer" (the Support group has it), and the transfers recorded."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from billing.admin.base import ReadOnlyAdmin
from billing.admin.money import AmountField, MoneyFormMixin, MoneyShownMixin, money_display
from billing.clock import now_for
from billing.models import Invoice, ReceivedTransfer
from billing.money import format_day, format_money
from billing.services.transfers import transfer_record

RECORDED = _("%(number)s: transfer %(reference)s of %(amount)s recorded; the invoice is paid (%(date)s).")


class TransferForm(MoneyFormMixin, forms.Form):
    amount = AmountField(
        label=_("Amount received"),
        help_text=_(
            "In the invoice's currency, e.g. 61,920.00 or 61920.00: exactly the amount due. Partial payments "
            "are not supported: a transfer for another amount is not recorded here."
        ),
    )
    received_on = forms.DateField(
        label=_("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "The day the money reached the bank account: not before the invoice's date, not later than today."
        ),
    )
    reference = forms.CharField(
        label=_("Bank reference"),
        max_length=100,
        help_text=_(
            "The bank's reference of the transfer, as on the statement: one transfer is recorded once."
        ),
    )

    def __init__(self, *args, invoice: Invoice, **kwargs):
        self.invoice = invoice
        super().__init__(*args, **kwargs)

    def known_currency(self) -> str:
        return self.invoice.currency


def record_transfer_view(modeladmin, request, invoice_id: int):
    """GET: the form; POST: the service, then back to the invoice. Refused input changes nothing and is
    answered 422 with what to correct; without the permission, 403."""
    if not request.user.has_perm("billing.record_transfer_invoice"):
        raise PermissionDenied
    invoice = get_object_or_404(
        Invoice.objects.select_related("account").exclude(status=Invoice.Status.DRAFT), pk=invoice_id
    )
    form = TransferForm(request.POST if request.method == "POST" else None, invoice=invoice)
    if form.is_valid():
        try:
            transfer = transfer_record(
                invoice=invoice,
                amount=form.cleaned_data["amount"],
                currency=invoice.currency,
                received_on=form.cleaned_data["received_on"],
                reference=form.cleaned_data["reference"],
                by=request.user,
                now=now_for(invoice.account),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            values = {
                "number": invoice.number,
                "reference": transfer.reference,
                "amount": format_money(transfer.amount, transfer.currency),
                "date": format_day(transfer.received_on, "long"),
            }
            messages.success(request, RECORDED % values)
            return redirect(reverse("admin:billing_invoice_change", args=[invoice.pk]))
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Record a received transfer"),
        "invoice": invoice,
        "form": form,
        "opts": modeladmin.model._meta,
    }
    status = 422 if form.is_bound else 200
    return TemplateResponse(request, "admin/billing/invoice/record_transfer.html", context, status=status)


@admin.action(description=_("Record a received transfer"), permissions=["record_transfer"])
def record_transfer(modeladmin, request, queryset):
    """From the list: the form of the one invoice selected."""
    if queryset.count() != 1:
        messages.error(request, _("Record the transfer of one invoice at a time."))
        return None
    return redirect(reverse("admin:billing_invoice_record_transfer", args=[queryset.get().pk]))


@admin.register(ReceivedTransfer)
class ReceivedTransferAdmin(MoneyShownMixin, ReadOnlyAdmin):
    """Transfers recorded by staff; each paid its invoice (recorded through the invoice's form only)."""

    list_display = [
        "received_on",
        "invoice",
        "account",
        "amount_shown",
        "reference",
        "recorded_by",
        "recorded_at",
    ]
    search_fields = ["invoice__number", "invoice__account__name", "reference"]
    list_select_related = ["invoice__account", "recorded_by"]
    date_hierarchy = "received_on"

    amount_shown = money_display("amount", _("amount"))

    @admin.display(description=_("account"), ordering="invoice__account__name")
    def account(self, transfer):
        return transfer.invoice.account
