from datetime import UTC, date, datetime

import factory

from accounts.models import Account, Membership, User
from billing.models import Price, Product, Subscription, SubscriptionItem

PERIOD_START = datetime(2026, 11, 11, tzinfo=UTC)
PERIOD_END = datetime(2026, 12, 11, tzinfo=UTC)


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    kind = Account.Kind.SELF_SERVICE
    created_on = date(2023, 1, 10)
    billing_country = "US"  # outside the seller's EU: invoices carry no VAT unless a test says otherwise

    class Params:
        managed = factory.Trait(kind=Account.Kind.MANAGED)
        online_assisted = factory.Trait(kind=Account.Kind.ONLINE_ASSISTED)
        legacy = factory.Trait(generation=Account.Generation.LEGACY)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    password = factory.django.Password("Demo-2026!")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)
    role = Membership.Role.AGENT

    class Params:
        owner = factory.Trait(role=Membership.Role.OWNER)
        billing_admin = factory.Trait(role=Membership.Role.BILLING_ADMIN)
        admin = factory.Trait(role=Membership.Role.ADMIN)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    account = factory.SubFactory(AccountFactory)
    cycle = "monthly"
    current_period_start = PERIOD_START
    current_period_end = PERIOD_END


class ProductFactory(factory.django.DjangoModelFactory):
    """A product with a price for every edition, cycle and currency (default 1000 per seat per month)."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"addon-{n}")
    name = factory.Sequence(lambda n: f"Add-on {n}")
    kind = Product.Kind.ADDON

    @factory.post_generation
    def prices(product, create, unit_amount, **kwargs):
        Price.objects.bulk_create(
            Price(
                product=product,
                edition=edition,
                cycle=cycle,
                currency=currency,
                unit_amount=unit_amount or 1000,
            )
            for edition in ["team", "growth", "professional", "enterprise"]
            for cycle in ["monthly", "annual"]
            for currency in ["USD", "EUR", "GBP"]
        )


class SubscriptionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubscriptionItem

    subscription = factory.SubFactory(SubscriptionFactory)
    product = factory.SubFactory(ProductFactory)
    edition = "professional"
    seats = 1
