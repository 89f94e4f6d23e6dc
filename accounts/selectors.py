from accounts.models import Membership


def membership_for(user) -> Membership | None:
    """The signed-in user's one membership with its account (and test clock) in a single query."""
    if not user.is_authenticated:
        return None
    membership = Membership.objects.select_related("account", "account__test_clock").filter(user=user).first()
    if membership is not None:
        membership.user = user  # already loaded by the authentication middleware
    return membership
