"""What the staff console's billing admins share: read-only records, read-only inlines, edits logged as
billing events (R9.3), and one way to report a refused staff action."""

from django.contrib import admin, messages

from billing.services.audit import staff_edit_record


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are never edited by hand: the history, and what owners confirmed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _account_of_inline(obj):
    if hasattr(obj, "account"):
        return obj.account
    return obj.subscription.account


class AuditedAdminMixin:
    """For ModelAdmins whose objects belong to an account: every save, inlines included, is logged."""

    def account_of(self, obj):
        return obj.account

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        staff_edit_record(
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
                staff_edit_record(
                    account=_account_of_inline(obj),
                    obj=obj,
                    form=inline_form,
                    by=request.user,
                    created=not inline_form.initial,
                )


def refused(request, error, prefix: object = "") -> None:
    """A service refused a staff action (ValidationError or PermissionDenied): say why, and go on."""
    text = " ".join(getattr(error, "messages", [str(error)]))
    messages.error(request, f"{prefix}: {text}" if prefix else text)
