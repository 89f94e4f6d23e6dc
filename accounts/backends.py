"""Signing in and loading the signed-in user: Django's ModelBackend, with the user's membership, account,
test clock and data version loaded in the same query as the user (every request asks for them)."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class MembershipBackend(ModelBackend):
    def get_user(self, user_id):
        user = (
            User.objects.select_related(
                "membership__account__test_clock", "membership__account__data_version"
            )
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
