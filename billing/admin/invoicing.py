"""Invoices and credit notes (immutable once issued, R8.2), the charges they carry and their numbering."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billing.admin.base import ReadOnlyAdmin
from billing.clock import now_for
from billing.documents import invoice_document
from billing.models import Charge, Invoice, InvoiceLine, InvoiceSequence
from billing.services.invoices import invoice_close


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ["position", "description", "quantity", "unit_amount", "amount"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    """Issued invoices are immutable (R8.2): the database refuses changes; corrections are credit notes."""

    list_display = [
        "number",
        "account",
        "kind",
        "status",
        "total",
        "currency",
        "issued_at",
        "due_at",
        "paid_at",
    ]
    list_filter = ["status", "kind", "currency"]
    search_fields = ["number", "account__name", "buyer_name"]
    date_hierarchy = "issued_at"
    list_select_related = ["account"]
    inlines = [InvoiceLineInline]
    readonly_fields = ["pdf"]
    actions = ["void", "mark_uncollectible"]

    @admin.display(description=_("PDF"))
    def pdf(self, invoice):
        if not invoice.is_finalized:
            return "—"
        url = reverse("admin:billing_invoice_pdf", args=[invoice.pk])
        return format_html('<a href="{}" download>{}</a>', url, _("Download PDF"))

    def get_urls(self):
        view = self.admin_site.admin_view(self.pdf_download)
        return [path("<path:object_id>/pdf/", view, name="billing_invoice_pdf"), *super().get_urls()]

    def pdf_download(self, request, object_id):
        """The stored PDF, as the owner downloads it (R8.9: the same bytes)."""
        invoice = self.get_object(request, object_id)
        if invoice is None or not invoice.is_finalized:
            raise Http404
        if not self.has_view_permission(request, invoice):
            raise PermissionDenied
        response = HttpResponse(invoice_document(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
        return response

    def _close(self, request, queryset, status):
        for invoice in queryset.select_related("account"):
            try:
                invoice_close(invoice=invoice, status=status, by=request.user, now=now_for(invoice.account))
            except ValidationError as error:
                messages.error(request, f"{invoice}: {' '.join(error.messages)}")
            else:
                messages.success(request, f"{invoice}: {Invoice.Status(status).label}")

    @admin.action(description=_("Void (nothing is owed any more)"), permissions=["close"])
    def void(self, request, queryset):
        self._close(request, queryset, Invoice.Status.VOID)

    @admin.action(description=_("Mark uncollectible"), permissions=["close"])
    def mark_uncollectible(self, request, queryset):
        self._close(request, queryset, Invoice.Status.UNCOLLECTIBLE)

    def has_close_permission(self, request):
        return request.user.has_perm("billing.close_invoice")


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "description", "amount", "currency", "invoice"]
    search_fields = ["account__name", "description"]
    list_select_related = ["account", "invoice"]


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(ReadOnlyAdmin):
    list_display = ["account", "last"]
    search_fields = ["account__name"]
    list_select_related = ["account"]
