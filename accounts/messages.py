"""Messages that views, forms and tests share."""

from django.utils.translation import gettext_lazy as _

ACCOUNT_CANCELLED = _("This account has been cancelled. Nobody can sign in to it any more.")
