"""View guards: sign-in first, then the policy decides (R2.5); a refusal is the 403 page that says why."""

from functools import wraps

from django.contrib.auth.decorators import login_required

from accounts import policy


def _guarded_by(check):
    def decorator(view):
        @login_required
        @wraps(view)
        def guarded(request, *args, **kwargs):
            check(request.membership)
            return view(request, *args, **kwargs)

        # Kept on the view (and on the decorators around it) so a test can ask every URL who it lets in.
        guarded.guard = check
        return guarded

    return decorator


def require_action(action: policy.Action):
    return _guarded_by(lambda membership: policy.require(membership, action))


# The Manage page: for those who may modify something (R2.3).
require_manage_access = _guarded_by(policy.require_modify)
# Any member of an account, agents included; staff without an account get the 403 page.
require_membership = _guarded_by(policy.require_member)
