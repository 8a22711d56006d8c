"""The workbench's addresses."""

from django.urls import include, path

from sejahtera.workbench.api import api

urlpatterns = [
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", include("sejahtera.workbench.audit.urls")),
    path("grievances/", include("sejahtera.workbench.grievances.urls")),
    path("programmes/", include("sejahtera.workbench.programmes.urls")),
    path("stakeholders/", include("sejahtera.workbench.stakeholders.urls")),
    path("consultations/", include("sejahtera.workbench.consultations.urls")),
    path("monev/", include("sejahtera.workbench.monev.urls")),
    path("", include("sejahtera.workbench.core.urls")),
]
