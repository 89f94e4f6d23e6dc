"""The card typed into the payment provider's own field (R8.4, R12.1): Stripe's Elements on the Payment page,
confirmed in a SetupIntent made for the account's Customer, so the card number never reaches our server.
What reaches it is the SetupIntent's id; the card it holds is then checked and stored as the sandbox's is
(billing.services.payments)."""

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Account, Membership
from billing import gateway
from billing.models import PaymentMethod, ProviderCustomer
from billing.services.payments import PROVIDER_SILENT, card_check_and_store

SETUP_UNUSABLE = _("This card entry could not be verified, and no card was saved. Enter the card again.")


def provider_customer_known(account: Account) -> str | None:
    return ProviderCustomer.objects.filter(account=account).values_list("customer_id", flat=True).first()


def provider_customer(account: Account, *, now: datetime) -> str:
    """The account's Customer at the provider, created once (R8.8): the intent (a row with a random key)
    commits first, then the provider is asked under that key, then the answer is kept. A request that dies
    after Stripe made the Customer, or two at once, ask again under the same key and get the same Customer."""
    known = provider_customer_known(account)
    if known:
        return known
    with transaction.atomic():
        intent, _created = ProviderCustomer.objects.get_or_create(
            account=account, defaults={"created_at": now}
        )
    customer = gateway.customer_create(key=f"customer-{intent.key}", name=account.name, account_id=account.pk)
    ProviderCustomer.objects.filter(pk=intent.pk, customer_id=None).update(customer_id=customer)
    return provider_customer_known(account)  # the first answer kept, if a racing request kept one


def card_setup_start(*, membership: Membership, now: datetime) -> gateway.CardSetup | None:
    """What the Payment page's card field needs: a new SetupIntent for the account's Customer, one per page
    shown (a SetupIntent is confirmed once: the next card needs the next one). Its key is made for it.
    None if the provider did not answer: the page shows the card on file, and says so."""
    policy.require(membership, policy.Action.UPDATE_PAYMENT_METHOD)
    try:
        customer = provider_customer(membership.account, now=now)
        return gateway.card_setup_start(customer=customer, key=f"card-setup-{uuid.uuid4()}")
    except gateway.ProviderSilent:
        return None


def payment_method_update_from_setup(
    *, membership: Membership, setup_intent: str, attempt_key: uuid.UUID, now: datetime
) -> PaymentMethod:
    """R8.4 under Stripe: the card the owner confirmed in `setup_intent`. It must be this account's
    Customer's and have succeeded — another account's, or a made-up id, changes nothing. Its PaymentMethod
    id is the token the one-unit check (a manual-capture PaymentIntent, then cancelled) and every later
    charge use."""
    policy.require(membership, policy.Action.UPDATE_PAYMENT_METHOD)
    customer = provider_customer_known(membership.account)
    try:
        if customer is None:  # no card field was ever shown to this account: the id is not its own
            raise gateway.CardSetupUnusable(setup_intent)
        card = gateway.card_of_setup(setup_intent, customer=customer)
    except gateway.CardSetupUnusable:
        raise ValidationError(SETUP_UNUSABLE) from None
    except gateway.ProviderSilent:
        raise ValidationError(PROVIDER_SILENT) from None
    return card_check_and_store(membership=membership, card=card, attempt_key=attempt_key, now=now)
