"""R7.6: the owner's data export page, its progress (htmx polls while it is prepared) and the download."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import require_action
from accounts.policy import Action
from billing.clock import now_for
from billing.models import DataExport
from billing.selectors.exports import export_of, recent_exports
from billing.services.exports import data_export_request

REQUESTED = _("Your export is being prepared. We email you when it is ready.")
EXPIRED = _("This export has expired: its link worked for 7 days. Request a new export.")
GONE = 410


@require_action(Action.EXPORT_DATA)
@require_safe
def data_export(request):
    exports = recent_exports(request.membership.account)
    # Polled only while one is in progress: a failed or cancelled export ends the polling (issue 16).
    building = any(e.status in DataExport.IN_PROGRESS for e in exports)
    template = "billing/exports/page.html" + ("#exports" if request.htmx else "")
    return render(request, template, {"exports": exports, "building": building})


@require_POST
@require_action(Action.EXPORT_DATA)
def data_export_create(request):
    account = request.membership.account
    data_export_request(membership=request.membership, now=now_for(account))
    messages.success(request, REQUESTED)
    return redirect("billing:data_export")


@require_action(Action.EXPORT_DATA)
@require_safe
def data_export_download(request, export_id: int):
    """The owner only; another account's export is a 404, an expired one is refused (410)."""
    account = request.membership.account
    export = export_of(account, export_id)
    if export is None:
        raise Http404("No such export.")
    if export.status == DataExport.Status.EXPIRED or (
        export.expires_at and export.expires_at <= now_for(account)
    ):
        return render(request, "billing/exports/expired.html", {"message": EXPIRED}, status=GONE)
    if export.status != DataExport.Status.READY:
        raise Http404("This export is not ready.")
    name = f"{account.name.lower().replace(' ', '-')}-export-{export.finished_at:%Y-%m-%d}.zip"
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip"
    )
