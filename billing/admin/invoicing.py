"""Invoices and credit notes (immutable once issued, R8.2), the charges they carry and their numbering; staff
close invoices, cancel them with a credit note (never voided in France) and record the transfers that pay
them (R8.9). Amounts read in their currency."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billing.admin.base import ReadOnlyAdmin, refused
from billing.admin.money import MoneyShownMixin, money_display
from billing.admin.transfers import record_transfer, record_transfer_view
from billing.clock import now_for
from billing.documents import attachment, invoice_document, invoice_document_xml
from billing.models import Charge, Invoice, InvoiceLine, InvoiceSequence
from billing.services.credit_notes import invoice_cancel_with_credit_note
from billing.services.invoices import invoice_close


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ["position", "description", "quantity", "unit_amount_shown", "amount_shown"]
    readonly_fields = fields

    unit_amount_shown = money_display("unit_amount", _("unit amount"), currency="invoice.currency")
    amount_shown = money_display("amount", _("amount"), currency="invoice.currency")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(MoneyShownMixin, ReadOnlyAdmin):
    """Issued invoices are immutable (R8.2): the database refuses changes; corrections are credit notes."""

    list_display = [
        "number",
        "account",
        "kind",
        "status",
        "total_shown",
        "payment_type",
        "issued_at",
        "due_at",
        "paid_at",
    ]
    list_filter = ["status", "kind", "payment_type", "currency"]
    search_fields = ["number", "account__name", "buyer_name"]
    date_hierarchy = "issued_at"
    list_select_related = ["account"]
    inlines = [InvoiceLineInline]
    readonly_fields = ["pdf"]
    actions = ["void", "mark_uncollectible", "cancel_with_credit_note", record_transfer]
    change_form_template = "admin/billing/invoice/change_form.html"

    subtotal_shown = money_display("subtotal", _("subtotal"))
    tax_shown = money_display("tax", _("tax"))
    total_shown = money_display("total", _("total"))

    @admin.display(description=_("PDF"))
    def pdf(self, invoice):
        """The PDF, and its Factur-X XML on its own (issue 21)."""
        if not invoice.is_finalized:
            return "—"
        pdf = reverse("admin:billing_invoice_pdf", args=[invoice.pk])
        xml = reverse("admin:billing_invoice_xml", args=[invoice.pk])
        return format_html(
            '<a href="{}" download>{}</a> · <a href="{}" download>{}</a>',
            pdf,
            _("Download PDF"),
            xml,
            _("Download the Factur-X XML"),
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.pdf_download)
        xml = self.admin_site.admin_view(self.xml_download)
        record = self.admin_site.admin_view(
            lambda request, object_id: record_transfer_view(self, request, object_id)
        )
        return [
            path("<path:object_id>/pdf/", view, name="billing_invoice_pdf"),
            path("<path:object_id>/xml/", xml, name="billing_invoice_xml"),
            path("<int:object_id>/record-transfer/", record, name="billing_invoice_record_transfer"),
            *super().get_urls(),
        ]

    def pdf_download(self, request, object_id):
        """The stored PDF, as the owner downloads it (R8.9: the same bytes)."""
        invoice = self._viewable(request, object_id)
        return attachment(invoice_document(invoice), "application/pdf", f"{invoice.number}.pdf")

    def xml_download(self, request, object_id):
        """The stored Factur-X XML (issue 21), as the owner downloads it."""
        invoice = self._viewable(request, object_id)
        return attachment(invoice_document_xml(invoice), "application/xml", f"{invoice.number}.xml")

    def _viewable(self, request, object_id) -> Invoice:
        invoice = self.get_object(request, object_id)
        if invoice is None or not invoice.is_finalized:
            raise Http404
        if not self.has_view_permission(request, invoice):
            raise PermissionDenied
        return invoice

    def _close(self, request, queryset, status):
        for invoice in queryset.select_related("account"):
            try:
                invoice_close(invoice=invoice, status=status, by=request.user, now=now_for(invoice.account))
            except ValidationError as error:
                refused(request, error, invoice)
            else:
                messages.success(request, f"{invoice}: {Invoice.Status(status).label}")

    @admin.action(description=_("Void (nothing is owed any more; never in France)"), permissions=["close"])
    def void(self, request, queryset):
        self._close(request, queryset, Invoice.Status.VOID)

    @admin.action(description=_("Mark uncollectible"), permissions=["close"])
    def mark_uncollectible(self, request, queryset):
        self._close(request, queryset, Invoice.Status.UNCOLLECTIBLE)

    @admin.action(
        description=_("Cancel with a credit note (for the whole amount; the way in France)"),
        permissions=["close"],
    )
    def cancel_with_credit_note(self, request, queryset):
        for invoice in queryset.select_related("account"):
            try:
                credit = invoice_cancel_with_credit_note(
                    invoice=invoice, by=request.user, now=now_for(invoice.account)
                )
            except (ValidationError, PermissionDenied) as error:
                refused(request, error, invoice)
            else:
                messages.success(
                    request,
                    _("%(invoice)s: cancelled by credit note %(credit)s.")
                    % {"invoice": invoice, "credit": credit},
                )

    def has_close_permission(self, request):
        return request.user.has_perm("billing.close_invoice")

    def has_record_transfer_permission(self, request):
        return request.user.has_perm("billing.record_transfer_invoice")


@admin.register(Charge)
class ChargeAdmin(MoneyShownMixin, ReadOnlyAdmin):
    list_display = ["created_at", "account", "description", "amount_shown", "invoice"]
    search_fields = ["account__name", "description"]
    list_select_related = ["account", "invoice"]

    amount_shown = money_display("amount", _("amount"))


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(ReadOnlyAdmin):
    list_display = ["account", "last"]
    search_fields = ["account__name"]
    list_select_related = ["account"]
