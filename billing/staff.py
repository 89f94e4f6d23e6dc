"""The "Support" group: what support staff may do in the staff console (R1.3), by permission.

Not by `is_superuser`: the group holds the permissions below (installed after every migrate), and whatever
staff add to it in the console.
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
    ("billing", "invoice"): ["view", "close", "record_transfer"],
    ("billing", "receivedtransfer"): VIEW,
    ("billing", "invoiceline"): VIEW,
    ("billing", "invoicesequence"): VIEW,
    ("billing", "paymentattempt"): VIEW,
    ("billing", "paymentmismatch"): VIEW,
    ("billing", "stripeevent"): VIEW,
    ("billing", "billingcontact"): VIEW,
    ("billing", "billingcontactrequest"): VIEW,
    ("billing", "subscriptionperiod"): VIEW,
    ("billing", "dunningcase"): VIEW,
    ("billing", "dunningstep"): VIEW,
    ("billing", "emaillog"): VIEW,
    ("billing", "datadeletion"): VIEW,
    ("billing", "contractterms"): VIEW_CHANGE,
    ("billing", "finalstatement"): VIEW,
    ("billing", "dataexport"): ["view", "cancel"],
    ("billing", "billingevent"): VIEW,
    ("billing", "subscriptionchangerequest"): VIEW_CHANGE,
    ("billing", "supportrequest"): VIEW_CHANGE,
    ("billing", "testclock"): VIEW_CHANGE_ADD,
    ("billing", "accountsnapshot"): ["view_insights"],  # the insights page (R11.1)
}


def ensure_support_group(*, using: str = "default") -> Group:
    """The group, with every permission of SUPPORT_PERMISSIONS it lacks. Permissions that staff granted it
    beyond the list are left alone: a deploy (which migrates) never takes them back."""
    group, _ = Group.objects.using(using).get_or_create(name=SUPPORT_GROUP)
    keys = {
        (app, f"{action}_{model}")
        for (app, model), actions in SUPPORT_PERMISSIONS.items()
        for action in actions
    }
    permissions = Permission.objects.using(using).select_related("content_type")
    wanted = [p for p in permissions if (p.content_type.app_label, p.codename) in keys]
    missing = keys - {(p.content_type.app_label, p.codename) for p in wanted}
    if missing:  # a permission of the list that does not exist is a mistake in the list
        raise LookupError(f"Unknown permissions in SUPPORT_PERMISSIONS: {sorted(missing)}")
    group.permissions.add(*wanted)
    return group
