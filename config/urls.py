from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Admin Center · Billing — Support"
admin.site.site_title = "Billing support"
admin.site.index_title = "Support console"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="accounts:landing"), name="root"),
    path("", include("accounts.urls")),
    path("admin/", include("billing.urls")),
    path("staff/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
