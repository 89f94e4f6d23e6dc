"""Signing in and loading the signed-in user: Django's ModelBackend, with the user's membership, account
and test clock loaded in the same query as the user (every request asks for them)."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class MembershipBackend(ModelBackend):
    def get_user(self, user_id):
        user = User.objects.select_related("membership__account__test_clock").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
