"""Emails, sent through Django's email framework in the recipient's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


def _send(*, to: list[str], template: str, context: dict, language: str) -> None:
    with translation.override(language):
        subject = render_to_string(f"billing/emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"billing/emails/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)


def change_request_received(change_request) -> None:
    """Tell support staff that an admin asked for a subscription change (R2.4)."""
    _send(
        to=[settings.SUPPORT_EMAIL],
        template="change_request_received",
        context={"change_request": change_request},
        language="en",
    )


def change_request_decided(change_request) -> None:
    _send(
        to=[change_request.requested_by.email],
        template="change_request_decided",
        context={"change_request": change_request},
        language=change_request.account.language,
    )
