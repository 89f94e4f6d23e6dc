"""Staff edits in the Django admin are billing events too (R9.3): before → after of every changed field."""

from django.forms.models import model_to_dict

from billing.clock import now_for
from billing.models import BillingEvent
from billing.services.events import billing_event_record


def _jsonable(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value if isinstance(value, int | float | bool | str | type(None)) else str(value)


def record_admin_change(*, account, obj, form, by, created: bool) -> None:
    """Record what a staff member changed on `obj` (fields of the submitted form only)."""
    changed = list(form.changed_data)
    if not changed and not created:
        return
    before = {name: _jsonable(form.initial.get(name)) for name in changed} if not created else {}
    after = {name: _jsonable(value) for name, value in model_to_dict(obj, fields=changed).items()}
    verb = "added" if created else "changed"
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.STAFF_EDIT,
        by=by,
        summary=f"Staff {verb} {obj._meta.verbose_name} “{obj}”: {', '.join(changed) or '—'}",
        before=before,
        after=after,
        now=now_for(account),
    )


class AuditedAdminMixin:
    """For ModelAdmins and inlines whose objects belong to an account: every save is logged."""

    def account_of(self, obj):
        return obj.account

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_admin_change(
            account=self.account_of(obj), obj=obj, form=form, by=request.user, created=not change
        )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            obj = inline_form.instance
            if (
                obj.pk
                and inline_form.has_changed()
                and not getattr(inline_form, "cleaned_data", {}).get("DELETE")
            ):
                record_admin_change(
                    account=_account_of_inline(obj),
                    obj=obj,
                    form=inline_form,
                    by=request.user,
                    created=not inline_form.initial,
                )


def _account_of_inline(obj):
    if hasattr(obj, "account"):
        return obj.account
    return obj.subscription.account
