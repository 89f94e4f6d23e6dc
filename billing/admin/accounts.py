"""The account and membership pages of the staff console, with what billing adds: the contract, the
scheduled changes and billing history, staff edits logged (R9.3), and the staff actions on an account."""

from django.contrib import admin

from accounts.admin import AccountAdmin as BaseAccountAdmin
from accounts.admin import MembershipAdmin as BaseMembershipAdmin
from accounts.models import Account, Membership
from billing.admin.audit import BillingEventInline
from billing.admin.base import AuditedAdminMixin
from billing.admin.changes import ScheduledChangeInline, downgrade_spp_to_support, reinstate_account
from billing.admin.contracts import ContractTermsInline, cancel_with_notice, terminate_early
from billing.admin.members import transfer_ownership
from billing.admin.payments import grant_temporary_reactivation

admin.site.unregister(Account)
admin.site.unregister(Membership)


@admin.register(Account)
class AccountAdmin(AuditedAdminMixin, BaseAccountAdmin):
    inlines = [ContractTermsInline, *BaseAccountAdmin.inlines, ScheduledChangeInline, BillingEventInline]
    actions = [
        reinstate_account,
        downgrade_spp_to_support,
        grant_temporary_reactivation,
        cancel_with_notice,
        terminate_early,
        transfer_ownership,
    ]

    def account_of(self, obj):
        return obj


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, BaseMembershipAdmin):
    pass
