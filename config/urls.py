from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import language_switch

admin.site.site_header = "Admin Center · Billing — Support"
admin.site.site_title = "Billing support"
admin.site.index_title = "Support console"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="accounts:landing"), name="root"),
    path("", include("accounts.urls")),
    path("admin/", include("billing.urls")),
    path("staff/", admin.site.urls),
    # The EN/FR switch: Django's, which also keeps a signed-in person's choice on their user (R10.1).
    path("i18n/setlang/", language_switch, name="set_language"),
]
