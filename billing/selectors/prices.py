"""Pricing loaded objects: a subscription's items and discounts as the pure arithmetic of billing.pricing
reads them. Shared by the Subscription page, the upcoming invoice and the cancellation summary."""

from datetime import datetime

from billing import pricing
from billing.models import Discount, Product, Subscription, SubscriptionItem


class MissingPrice(LookupError):
    """The catalog has no price for a product the account uses: a data error staff must fix."""


def quote_item(item: SubscriptionItem) -> pricing.QuoteItem:
    per_seat = item.product.unit == Product.Unit.SEAT
    return pricing.QuoteItem(
        key=item.pk,
        product=item.product_id,
        edition=item.edition,
        quantity=item.seats if per_seat else 1,
        bundle=item.bundle_id,
    )


def discount_applies(discount: Discount, *, at: datetime, currency: str) -> bool:
    """A discount counts at a moment it runs, if its coupon is a percentage or an amount in the currency."""
    running = discount.starts_at <= at and (discount.ends_at is None or discount.ends_at > at)
    return running and (discount.coupon.percent_off_bp is not None or discount.coupon.currency == currency)


def price_items(
    subscription: Subscription,
    items: list[SubscriptionItem],
    table: dict,
    *,
    discounts: list[Discount],
    suite_pricing: bool = True,
) -> pricing.Quote:
    """Price the items with the given discounts."""
    try:
        return pricing.quote(
            [quote_item(i) for i in items],
            table,
            cycle=subscription.cycle,
            coupons=[pricing.Coupon(d.coupon.percent_off_bp, d.coupon.amount_off) for d in discounts],
            suite_pricing=suite_pricing,
        )
    except KeyError as missing:
        raise MissingPrice(f"No {subscription.account.currency} price for {missing}") from None
