"""The insights page of the staff console (R11.1, issue 22): recurring revenue, accounts by status,
cancellation reasons and dunning outcomes by month, each as an SVG chart beside its table and a CSV download.
For staff with the "view insights" permission (the Support group has it); filters by period, account type
and currency, in the query string (a bookmarkable GET form)."""

import csv

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.admin.base import ReadOnlyAdmin
from billing.admin.insights_tables import tables
from billing.clock import now_for
from billing.models import AccountSnapshot
from billing.selectors.insights import Filters, currencies_in_use, insights

PERIODS = [(3, _("3 months")), (6, _("6 months")), (12, _("12 months")), (24, _("24 months"))]


class InsightsFilterForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Period"), choices=PERIODS, coerce=int, initial=12, required=False
    )
    kind = forms.ChoiceField(label=_("Account type"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), required=False)

    def __init__(self, data, *, currencies: list[str]):
        super().__init__(data)
        self.fields["kind"].choices = [("", _("All types")), *Account.Kind.choices]
        self.fields["currency"].choices = [("", _("All currencies")), *[(c, c) for c in currencies]]

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(months=data["months"] or 12, kind=data["kind"], currency=data["currency"])


@admin.register(AccountSnapshot)
class InsightsAdmin(ReadOnlyAdmin):
    """The snapshots are only ever read through the insights page: it is this model's list."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("billing.view_insights_accountsnapshot")

    def get_urls(self):
        csv_view = self.admin_site.admin_view(self.csv_view)
        return [path("csv/<slug:chart>/", csv_view, name="billing_accountsnapshot_csv"), *super().get_urls()]

    def _found(self, request):
        """The filter form and, when it is valid, the page's tables; 403 without the permission."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = InsightsFilterForm(request.GET, currencies=currencies_in_use())
        if not form.is_valid():
            return form, None
        filters = form.filters()
        return form, tables(insights(filters, now=now_for()), filters)

    def changelist_view(self, request, extra_context=None):
        form, found = self._found(request)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Insights"),
            "opts": self.model._meta,
            "form": form,
            "tables": found or [],
            "query": request.GET.urlencode(),
        }
        status = 200 if found is not None else 400
        return TemplateResponse(request, "admin/billing/insights.html", context, status=status)

    def csv_view(self, request, chart):
        form, found = self._found(request)
        if found is None:
            return HttpResponseBadRequest(form.errors.as_text(), content_type="text/plain; charset=utf-8")
        table = next((t for t in found if t.slug == chart), None)
        if table is None:
            raise Http404
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="insights-{table.slug}.csv"'
        writer = csv.writer(response)
        writer.writerows(table.csv_rows())
        return response
