from functools import wraps

from django.contrib.auth.decorators import login_required

from accounts import policy


def require_action(action: policy.Action):
    """Sign-in required, then the policy decides (R2.5); a refusal is a 403 page that says why."""

    def decorator(view):
        @login_required
        @wraps(view)
        def guarded(request, *args, **kwargs):
            policy.require(request.membership, action)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


def require_manage_access(view):
    """The Manage page: for those who may modify something (R2.3)."""

    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        policy.require_modify(request.membership)
        return view(request, *args, **kwargs)

    return guarded


def require_membership(view):
    """Any member of an account, agents included; staff without an account get the 403 page."""

    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        policy.require_member(request.membership)
        return view(request, *args, **kwargs)

    return guarded
