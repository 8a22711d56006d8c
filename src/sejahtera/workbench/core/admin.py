"""The administration pages (``/admin/``, for accounts with ``is_staff``): accounts with their
role and organisation. Every change of a role is written to the audit log."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.models import Profile

admin.site.site_header = _("Sejahtera administration")
admin.site.site_title = _("Sejahtera administration")
admin.site.index_title = _("Accounts, roles and organisations")
admin.site.site_url = "/dashboard/"


def _record(request: HttpRequest, profile: Profile, created: bool) -> None:
    audit.record(
        request,
        "role_given" if created else "role_changed",
        profile.user,
        role=profile.role,
        organisation=profile.organisation_id,
        via="admin",
    )


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = True
    fields = ("role", "organisation")
    autocomplete_fields = ("organisation",)
    extra = 1
    max_num = 1


class WorkbenchUserAdmin(UserAdmin):
    inlines = (ProfileInline,)
    list_display = ("username", "first_name", "last_name", "role", "is_active", "is_staff")
    list_filter = ("profile__role", "is_active", "is_staff", "is_superuser")
    list_select_related = ("profile",)

    @admin.display(description=_("role"), ordering="profile__role")
    def role(self, user: User) -> str:
        profile = getattr(user, "profile", None)
        return profile.get_role_display() if profile is not None else "–"

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        super().save_formset(request, form, formset, change)
        for profile in formset.new_objects:
            _record(request, profile, created=True)
        for profile, _fields in formset.changed_objects:
            _record(request, profile, created=False)
        for profile in formset.deleted_objects:
            audit.record(request, "role_removed", profile.user, role=profile.role, via="admin")


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """Who holds which role: the list; an account's role is changed on the account's page."""

    list_display = ("user", "role", "organisation")
    list_filter = ("role",)
    search_fields = ("user__username", "organisation__name")
    autocomplete_fields = ("user", "organisation")

    def save_model(self, request: HttpRequest, obj: Profile, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _record(request, obj, created=not change)

    def delete_model(self, request: HttpRequest, obj: Profile) -> None:
        audit.record(request, "role_removed", obj.user, role=obj.role, via="admin")
        super().delete_model(request, obj)


admin.site.unregister(User)
admin.site.register(User, WorkbenchUserAdmin)
