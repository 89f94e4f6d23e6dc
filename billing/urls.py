from django.urls import path

from billing import views, views_cancellations, views_exports, views_invoices, views_manage, views_payment

app_name = "billing"
urlpatterns = [
    path("subscription/", views.subscription, name="subscription"),
    path("subscription/manage/", views_manage.manage_page, name="manage"),
    path("subscription/manage/preview/", views_manage.manage_preview, name="manage_preview"),
    path("subscription/manage/confirm/", views_manage.manage_confirm, name="manage_confirm"),
    path("subscription/manage/undo/", views_manage.manage_undo, name="manage_undo"),
    path("subscription/manage/billing-admins/", views_manage.billing_admins, name="billing_admins"),
    path("subscription/change-requests/", views.change_request_create, name="change_request_create"),
    path("invoices/", views_invoices.invoice_list, name="invoices"),
    path("invoices/<int:invoice_id>/pdf/", views_invoices.invoice_download, name="invoice_pdf"),
    path("invoices/billing-address/", views_invoices.billing_address, name="billing_address"),
    path("history/", views_invoices.billing_history, name="history"),
    path("export/", views_exports.data_export, name="data_export"),
    path("export/new/", views_exports.data_export_create, name="data_export_create"),
    path("export/<int:export_id>/download/", views_exports.data_export_download, name="data_export_download"),
    path("payment/", views_payment.payment_page, name="payment"),
    path("payment/card/", views_payment.payment_method, name="payment_method"),
    path("contacts/", views_payment.contact_list, name="contacts"),
    path("contacts/add/", views_payment.contact_add, name="contact_add"),
    path("contacts/remove/", views_payment.contact_remove, name="contact_remove"),
    path("contacts/decide/", views_payment.contact_request_decide, name="contact_decide"),
    path("contacts/request/", views_payment.contact_request, name="contact_request"),
    path("cancellations/", views_cancellations.cancellation_list, name="cancellations"),
    path("cancellations/select/", views_cancellations.cancellation_select, name="cancellation_select"),
    path("cancellations/unselect/", views_cancellations.cancellation_unselect, name="cancellation_unselect"),
    path("cancellations/review/", views_cancellations.cancellation_review, name="cancellation_review"),
    path("cancellations/confirm/", views_cancellations.cancellation_confirm, name="cancellation_confirm"),
    path("cancellations/downgrade/", views_cancellations.spp_downgrade_request, name="spp_downgrade_request"),
    path("cancellations/account/", views_cancellations.account_cancel, name="account_cancel"),
    path(
        "cancellations/account/survey/",
        views_cancellations.account_cancel_survey,
        name="account_cancel_survey",
    ),
    path(
        "cancellations/account/confirm/",
        views_cancellations.account_cancel_confirm,
        name="account_cancel_confirm",
    ),
]
