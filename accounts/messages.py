"""Messages that views, forms and tests share."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Account

ACCOUNT_CANCELLED = _("This account has been cancelled. Nobody can sign in to it any more.")
# Why nobody can sign in, by account status (R5.3, R7.7, R8.5, R8.6).
CLOSED_ACCOUNT_MESSAGES = {
    Account.Status.CANCELLED: ACCOUNT_CANCELLED,
    Account.Status.SUSPENDED: _(
        "This account was cancelled for non-payment: nobody can sign in. The owner can ask support for a "
        "temporary reactivation to update the card."
    ),
    Account.Status.EXPIRED: _("The trial of this account has ended: nobody can sign in any more."),
    Account.Status.DELETED: _("This account's data was deleted: nobody can sign in any more."),
}
LIMITED_ACCESS = _(
    "Temporary reactivation: until %(date)s you can only update the card. Then we retry the payment."
)
