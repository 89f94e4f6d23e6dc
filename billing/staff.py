"""The "Support" group: what support staff may do in the staff console (R1.3), by permission.

Not by `is_superuser`: the group holds exactly the permissions below.
"""

from django.contrib.auth.models import Group, Permission

SUPPORT_GROUP = "Support"

VIEW = ["view"]
VIEW_CHANGE = ["view", "change"]
VIEW_CHANGE_ADD = ["view", "change", "add"]
SUPPORT_PERMISSIONS = {
    ("accounts", "account"): VIEW_CHANGE,
    ("accounts", "user"): VIEW,
    ("accounts", "membership"): VIEW_CHANGE,
    ("billing", "product"): VIEW,
    ("billing", "price"): VIEW,
    ("billing", "coupon"): VIEW,
    ("billing", "subscription"): VIEW_CHANGE,
    ("billing", "subscriptionitem"): VIEW_CHANGE,
    ("billing", "discount"): VIEW_CHANGE_ADD,
    ("billing", "paymentmethod"): VIEW,
    ("billing", "scheduledchange"): ["view", "reinstate"],
    ("billing", "cancellation"): VIEW,
    ("billing", "cancellationdraft"): VIEW,
    ("billing", "charge"): VIEW,
    ("billing", "invoice"): ["view", "close"],
    ("billing", "invoiceline"): VIEW,
    ("billing", "invoicesequence"): VIEW,
    ("billing", "paymentattempt"): VIEW,
    ("billing", "billingcontact"): VIEW,
    ("billing", "billingcontactrequest"): VIEW,
    ("billing", "subscriptionperiod"): VIEW,
    ("billing", "dunningcase"): VIEW,
    ("billing", "dunningstep"): VIEW,
    ("billing", "emaillog"): VIEW,
    ("billing", "datadeletion"): VIEW,
    ("billing", "contractterms"): VIEW_CHANGE,
    ("billing", "finalstatement"): VIEW,
    ("billing", "dataexport"): VIEW,
    ("billing", "billingevent"): VIEW,
    ("billing", "subscriptionchangerequest"): VIEW_CHANGE,
    ("billing", "testclock"): VIEW_CHANGE_ADD,
}


def ensure_support_group(*, using: str = "default") -> Group:
    """The group with exactly SUPPORT_PERMISSIONS (created, or set back to them)."""
    group, _ = Group.objects.using(using).get_or_create(name=SUPPORT_GROUP)
    permissions = [
        Permission.objects.using(using).get(content_type__app_label=app_label, codename=f"{action}_{model}")
        for (app_label, model), actions in SUPPORT_PERMISSIONS.items()
        for action in actions
    ]
    group.permissions.set(permissions)
    return group
