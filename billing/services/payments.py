"""The card on file (R8.4): checked with a one-unit authorization that is voided, never captured. The void's
intent commits with the authorization's answer (billing.services.collection), so it is sent by this request
or, if it dies, by the next tick."""

import hashlib
import uuid
from datetime import datetime

from babel.numbers import get_currency_precision
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Account, Membership
from billing import gateway
from billing.models import BillingEvent, DunningCase, PaymentAttempt, PaymentMethod
from billing.sandbox import AUTHENTICATION_REQUIRED
from billing.schedule import due_no_later_than
from billing.services.audit import billing_event_record
from billing.services.collection import AUTHORIZE, VOID, attempts_send

CARD_REFUSED = {
    gateway.DECLINED: _("The card was declined. Try another card."),
    gateway.INSUFFICIENT_FUNDS: _("The card was refused for insufficient funds. Try another card."),
    gateway.EXPIRED: _("This card has expired."),
    gateway.INVALID_NUMBER: _("This card number is not valid."),
    # Stripe: the bank wanted the owner to confirm the one-unit check itself, after the card was set up.
    AUTHENTICATION_REQUIRED: _(
        "Your bank asked to confirm the card check, so the card was not saved. "
        "Try again, or use another card."
    ),
}
PROVIDER_SILENT = _("The payment provider did not answer. Nothing was charged; try again in a moment.")


def verification_amount(currency: str) -> int:
    """One unit of the currency (1 USD = 100 cents, 1 JPY = 1), as the source document describes."""
    return 10 ** get_currency_precision(currency)


def payment_method_update(
    *,
    membership: Membership,
    number: str,
    exp_month: int,
    exp_year: int,
    attempt_key: uuid.UUID,
    now: datetime,
) -> PaymentMethod:
    """R8.4: the owner replaces the card, typed into our form (the sandbox). The card is authorized for one
    unit of the account's currency, then the authorization is voided; both calls are recorded. Only the
    token, brand, last 4 digits and expiry are kept — never the number. `attempt_key` (one per form) makes
    a double submit harmless: one check, one update, one event. Not one transaction: each provider call
    commits its intent first and records its answer after (R8.8)."""
    policy.require(membership, policy.Action.UPDATE_PAYMENT_METHOD)
    try:
        card = gateway.tokenize(number=number, exp_month=exp_month, exp_year=exp_year, today=now.date())
    except gateway.CardRefused as refused:
        raise ValidationError(CARD_REFUSED[refused.code]) from None
    return card_check_and_store(membership=membership, card=card, attempt_key=attempt_key, now=now)


def card_check_and_store(
    *, membership: Membership, card: gateway.Card, attempt_key: uuid.UUID, now: datetime
) -> PaymentMethod:
    """R8.4, whichever provider made the card's token (the sandbox's form, Stripe's field): the one-unit
    check, then the card stored and recorded once per form and card."""
    policy.require(membership, policy.Action.UPDATE_PAYMENT_METHOD)
    account = membership.account
    amount, currency = verification_amount(account.currency), account.currency
    # One check per form and card: a double submit reuses it, another card in the same form gets its own.
    fingerprint = hashlib.sha256(card.token.encode()).hexdigest()[:16]
    check = f"card-check-{attempt_key}-{fingerprint}"
    with transaction.atomic():
        authorization = gateway.intend(
            PaymentAttempt.Operation.AUTHORIZE,
            account=account,
            token=card.token,
            amount=amount,
            currency=currency,
            key=f"{check}{AUTHORIZE}",
            now=now,
        )
    attempts_send([authorization])  # its answer, and the intent to void it, commit together
    authorization.refresh_from_db()
    if authorization.pending:
        raise ValidationError(PROVIDER_SILENT)
    if not authorization.succeeded:
        raise ValidationError(CARD_REFUSED.get(authorization.failure_code, CARD_REFUSED[gateway.DECLINED]))
    attempts_send(list(PaymentAttempt.objects.pending().filter(idempotency_key=f"{check}{VOID}")))
    update = uuid.uuid5(attempt_key, fingerprint)  # the same form and card: one update, one event
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=account.pk).first()  # one update of the card at a time
        if BillingEvent.objects.filter(idempotency_key=update).exists():
            return PaymentMethod.objects.get(account=account)  # sent twice: the first one did it
        previous = PaymentMethod.objects.filter(account=account).first()
        before = {"card": f"{previous.brand} {previous.last4}"} if previous else {}
        method, _created = PaymentMethod.objects.update_or_create(
            account=account,
            defaults={
                "brand": card.brand,
                "last4": card.last4,
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
                "gateway_token": card.token,
            },
        )
        billing_event_record(
            account=account,
            kind=BillingEvent.Kind.PAYMENT_METHOD_UPDATED,
            by=membership.user,
            summary=f"Card {card.brand} •••• {card.last4} (expires {card.exp_month:02d}/{card.exp_year})",
            before=before,
            after={"card": f"{card.brand} {card.last4}", "verified_with": authorization.reference},
            now=now,
            idempotency_key=update,
        )
        # R8.7: a payment being chased is retried by the next batch with the new card.
        chased = DunningCase.objects.filter(account=account, status__in=["open", "suspended"])
        if chased.update(retry_requested_at=now):
            due_no_later_than(account, now)
    return method
