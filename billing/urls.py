"""The Admin Center's pages, under /admin/: the home, and Account › Billing."""

from django.urls import path

from billing.views import (
    cancellations,
    changes,
    contacts,
    exports,
    history,
    home,
    invoices,
    owner,
    payment,
    payment_confirmation,
    stripe_webhook,
    subscription,
    support,
)

app_name = "billing"
BILLING = "account/billing/"
urlpatterns = [
    path("", home.home, name="home"),
    path(BILLING + "subscription/", subscription.subscription, name="subscription"),
    path(
        BILLING + "subscription/change-requests/",
        subscription.change_request_create,
        name="change_request_create",
    ),
    path(BILLING + "subscription/keep/", subscription.subscription_keep, name="subscription_keep"),
    path(BILLING + "subscription/manage/", changes.manage_page, name="manage"),
    path(BILLING + "subscription/manage/preview/", changes.manage_preview, name="manage_preview"),
    path(BILLING + "subscription/manage/confirm/", changes.manage_confirm, name="manage_confirm"),
    path(BILLING + "subscription/manage/undo/", changes.manage_undo, name="manage_undo"),
    path(BILLING + "subscription/manage/billing-admins/", changes.billing_admins, name="billing_admins"),
    path(BILLING + "invoices/", invoices.invoice_list, name="invoices"),
    path(BILLING + "invoices/<int:invoice_id>/pdf/", invoices.invoice_download, name="invoice_pdf"),
    path(BILLING + "invoices/<int:invoice_id>/xml/", invoices.invoice_xml_download, name="invoice_xml"),
    path(BILLING + "invoices/download/", invoices.invoice_archive_download, name="invoice_archive"),
    path(BILLING + "invoices/billing-address/", invoices.billing_address, name="billing_address"),
    path(BILLING + "invoices/requests/", invoices.invoice_request, name="invoice_request"),
    path("reactivation-request/", support.reactivation_request, name="reactivation_request"),
    path(BILLING + "history/", history.billing_history, name="history"),
    path(BILLING + "export/", exports.data_export, name="data_export"),
    path(BILLING + "export/new/", exports.data_export_create, name="data_export_create"),
    path(
        BILLING + "export/<int:export_id>/download/",
        exports.data_export_download,
        name="data_export_download",
    ),
    path(BILLING + "payment/", payment.payment_page, name="payment"),
    path(BILLING + "payment/card/", payment.payment_method, name="payment_method"),
    path(
        BILLING + "payment/confirmation/<int:invoice_id>/",
        payment_confirmation.payment_confirmation,
        name="payment_confirmation",
    ),
    path(
        BILLING + "payment/confirmation/<int:invoice_id>/secret/",
        payment_confirmation.payment_confirmation_secret,
        name="payment_confirmation_secret",
    ),
    path("billing/stripe/webhook/", stripe_webhook.stripe_webhook, name="stripe_webhook"),
    path(BILLING + "owner/", owner.ownership, name="ownership"),
    path(BILLING + "contacts/", contacts.contact_list, name="contacts"),
    path(BILLING + "contacts/add/", contacts.contact_add, name="contact_add"),
    path(BILLING + "contacts/remove/", contacts.contact_remove, name="contact_remove"),
    path(
        BILLING + "contacts/remove/confirm/", contacts.contact_remove_confirm, name="contact_remove_confirm"
    ),
    path(BILLING + "contacts/decide/", contacts.contact_request_decide, name="contact_decide"),
    path(BILLING + "contacts/request/", contacts.contact_request, name="contact_request"),
    path(BILLING + "cancellations/", cancellations.cancellation_list, name="cancellations"),
    path(BILLING + "cancellations/select/", cancellations.cancellation_select, name="cancellation_select"),
    path(
        BILLING + "cancellations/unselect/", cancellations.cancellation_unselect, name="cancellation_unselect"
    ),
    path(BILLING + "cancellations/review/", cancellations.cancellation_review, name="cancellation_review"),
    path(BILLING + "cancellations/confirm/", cancellations.cancellation_confirm, name="cancellation_confirm"),
    path(
        BILLING + "cancellations/downgrade/",
        cancellations.spp_downgrade_request,
        name="spp_downgrade_request",
    ),
    path(BILLING + "cancellations/account/", cancellations.account_cancel, name="account_cancel"),
    path(
        BILLING + "cancellations/account/survey/",
        cancellations.account_cancel_survey,
        name="account_cancel_survey",
    ),
    path(
        BILLING + "cancellations/account/confirm/",
        cancellations.account_cancel_confirm,
        name="account_cancel_confirm",
    ),
]
