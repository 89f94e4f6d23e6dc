"""The billing domain's models, one module per domain, all importable from `billing.models`.

Money is always an integer amount of minor units (cents) next to a currency code; never a float.
"""

from billing.models.audit import BillingEvent, BillingEventQuerySet, EmailLog
from billing.models.cancellations import Cancellation, CancellationDraft, CancellationReason
from billing.models.catalog import EDITIONS_WITH_TEMPORARY_SEATS, Cycle, Edition, Price, Product
from billing.models.changes import ScheduledChange, ScheduledChangeQuerySet, SubscriptionChangeRequest
from billing.models.contacts import BillingContact, BillingContactRequest
from billing.models.contracts import ContractTerms, FinalStatement
from billing.models.exports import DataDeletion, DataExport
from billing.models.insights import AccountSnapshot, SnapshotTotal
from billing.models.invoicing import (
    Charge,
    Invoice,
    InvoiceDocument,
    InvoiceLine,
    InvoiceSequence,
    ReceivedTransfer,
)
from billing.models.payments import (
    DunningCase,
    DunningStep,
    PaymentAttempt,
    PaymentMethod,
    PaymentMismatch,
    ProviderCustomer,
    StripeEvent,
)
from billing.models.subscriptions import Coupon, Discount, Subscription, SubscriptionItem, SubscriptionPeriod
from billing.models.support import TestClock
from billing.models.support_requests import SupportRequest

__all__ = [
    "AccountSnapshot",
    "EDITIONS_WITH_TEMPORARY_SEATS",
    "BillingContact",
    "BillingContactRequest",
    "BillingEvent",
    "BillingEventQuerySet",
    "Cancellation",
    "CancellationDraft",
    "CancellationReason",
    "Charge",
    "ContractTerms",
    "Coupon",
    "Cycle",
    "DataDeletion",
    "DataExport",
    "Discount",
    "DunningCase",
    "DunningStep",
    "Edition",
    "EmailLog",
    "FinalStatement",
    "Invoice",
    "InvoiceDocument",
    "InvoiceLine",
    "InvoiceSequence",
    "PaymentAttempt",
    "PaymentMethod",
    "PaymentMismatch",
    "ProviderCustomer",
    "Price",
    "Product",
    "ReceivedTransfer",
    "ScheduledChange",
    "ScheduledChangeQuerySet",
    "StripeEvent",
    "Subscription",
    "SubscriptionChangeRequest",
    "SubscriptionItem",
    "SnapshotTotal",
    "SubscriptionPeriod",
    "SupportRequest",
    "TestClock",
]
