from django.db.models import OuterRef, Subquery

from accounts.models import Membership
from billing.models import DunningCase, ScheduledChange


def membership_for(user) -> Membership | None:
    """The signed-in user's one membership with its account (and test clock) in a single query.

    The same query says whether the account has an open dunning case or a pending cancellation, so the
    banners of every page cost a query only for the accounts that show one.
    """
    if not user.is_authenticated:
        return None
    account = OuterRef("account")
    membership = (
        Membership.objects.select_related("account", "account__test_clock")
        .annotate(
            open_dunning_case_id=Subquery(
                DunningCase.objects.filter(account=account, status=DunningCase.Status.OPEN).values("pk")[:1]
            ),
            pending_cancellation_id=Subquery(
                ScheduledChange.objects.filter(
                    account=account,
                    kind=ScheduledChange.Kind.CANCEL_ACCOUNT,
                    applied_at=None,
                    revoked_at=None,
                ).values("pk")[:1]
            ),
        )
        .filter(user=user)
        .first()
    )
    if membership is not None:
        membership.user = user  # already loaded by the authentication middleware
    return membership
