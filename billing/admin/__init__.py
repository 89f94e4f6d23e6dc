"""The staff console (/staff/, the Django admin): one module per domain, staff actions with their domain."""

from billing.admin import (  # noqa: F401 — each module registers its admins
    accounts,
    audit,
    cancellations,
    catalog,
    changes,
    contacts,
    contracts,
    exports,
    insights,
    invoicing,
    payments,
    subscriptions,
    support,
    support_requests,
)
