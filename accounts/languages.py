"""A person's language (R10.1): chosen with the EN/FR switch and kept on the user, so that every page they
open and every email sent to them speaks it, on any browser."""

from django.conf import settings
from django.db import transaction

from accounts.models import Language, User


def language_chosen(request) -> str:
    """The language the EN/FR switch's cookie holds (a choice made in this browser), or blank."""
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return language if language in Language.values else ""


@transaction.atomic
def user_language_set(*, user: User, language: str) -> None:
    """Keep the person's choice. An unknown language changes nothing (the switch's view checks it too)."""
    if language in Language.values and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
