from accounts.models import Membership, User


def membership_for(user) -> Membership | None:
    """The signed-in user's one membership with its account and test clock.

    Already loaded with the user when the session was opened by accounts.backends.MembershipBackend; one
    query otherwise. Every request runs it (accounts.middleware), so it stays a plain join.
    """
    if not user.is_authenticated:
        return None
    if User.membership.is_cached(user):
        return getattr(user, "membership", None)  # None: loaded, and the user has no membership
    membership = Membership.objects.select_related("account", "account__test_clock").filter(user=user).first()
    if membership is not None:
        membership.user = user  # already loaded by the authentication middleware
    return membership
