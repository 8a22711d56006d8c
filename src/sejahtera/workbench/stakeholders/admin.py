"""Organisations in the administration pages (``/admin/``): the accounts' organisations are
chosen from these. Every change is written to the audit log and moves the record's version on,
so a form opened on the workbench's own pages before it is refused rather than overwriting."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import F
from django.forms import ModelForm
from django.http import HttpRequest

from sejahtera.workbench.core import audit
from sejahtera.workbench.regions.models import Region
from sejahtera.workbench.stakeholders.forms import REGION_LEVELS
from sejahtera.workbench.stakeholders.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region")
    list_filter = ("kind",)
    search_fields = ("name",)
    fields = ("name", "kind", "region", "notes")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "region":  # villages left out: a whole country's is too many
            kwargs["queryset"] = Region.objects.filter(level__in=REGION_LEVELS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: Organisation, form: ModelForm, change: bool
    ) -> None:
        if change:
            obj.version = F("version") + 1
        super().save_model(request, obj, form, change)
        obj.refresh_from_db(fields=["version"])
        action = "organisation_changed" if change else "organisation_created"
        audit.record(request, action, obj, fields=form.changed_data, via="admin")

    def delete_model(self, request: HttpRequest, obj: Organisation) -> None:
        audit.record(request, "organisation_deleted", obj, name=obj.name, via="admin")
        super().delete_model(request, obj)
