"""The workbench's addresses."""

from django.contrib import admin
from django.urls import include, path

from sejahtera.workbench.api import api
from sejahtera.workbench.core import views as core

urlpatterns = [
    path("api/", api.urls),
    path("scenarios/", include("sejahtera.workbench.scenarios.urls")),
    # The administration pages sign in and out through the workbench's own (rate-limited,
    # audited) pages.
    path("admin/login/", core.admin_sign_in),
    path("admin/logout/", core.sign_out),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", include("sejahtera.workbench.audit.urls")),
    path("grievances/", include("sejahtera.workbench.grievances.urls")),
    path("programmes/", include("sejahtera.workbench.programmes.urls")),
    path("stakeholders/", include("sejahtera.workbench.stakeholders.urls")),
    path("consultations/", include("sejahtera.workbench.consultations.urls")),
    path("monev/", include("sejahtera.workbench.monev.urls")),
    path("datasets/", include("sejahtera.workbench.datasets.urls")),
    path("evaluations/", include("sejahtera.workbench.evaluations.urls")),
    path("needs/", include("sejahtera.workbench.needs.urls")),
    path("decisions/", include("sejahtera.workbench.decisions.urls")),
    path("documents/", include("sejahtera.workbench.documents.urls")),
    path("", include("sejahtera.workbench.core.urls")),
]
