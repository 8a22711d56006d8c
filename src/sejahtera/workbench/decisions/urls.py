from django.urls import path

from sejahtera.workbench.decisions import parts, views

app_name = "decisions"
urlpatterns = [
    path("", views.decision_list, name="list"),
    path("new/", views.decision_create, name="create"),
    path("<int:pk>/", views.decision_detail, name="detail"),
    path("<int:pk>/edit/", views.decision_edit, name="edit"),
    path("<int:pk>/submit/", views.decision_submit, name="submit"),
    path("<int:pk>/decide/", views.decision_decide, name="decide"),
    path("<int:pk>/return/", views.decision_return, name="return"),
    path("<int:pk>/amend/", views.decision_amend, name="amend"),
    path("<int:pk>/programme/", views.decision_programme, name="programme"),
    path("<int:pk>/brief/", views.decision_brief, name="brief"),
    path("briefs/<int:pk>/", views.brief_download, name="brief_download"),
    path("<int:pk>/options/scenario/", parts.option_scenario, name="option_scenario"),
    path("<int:pk>/options/other/", parts.option_other, name="option_other"),
    path("options/<int:pk>/delete/", parts.option_delete, name="option_delete"),
    path("<int:pk>/criteria/new/", parts.criterion_create, name="criterion_create"),
    path("criteria/<int:pk>/edit/", parts.criterion_edit, name="criterion_edit"),
    path("criteria/<int:pk>/delete/", parts.criterion_delete, name="criterion_delete"),
    path("<int:pk>/scores/", parts.scores, name="scores"),
    path("<int:pk>/positions/new/", parts.position_create, name="position_create"),
    path("positions/<int:pk>/delete/", parts.position_delete, name="position_delete"),
    path("<int:pk>/consultations/new/", parts.consultation_link, name="consultation_link"),
    path("consultations/<int:pk>/delete/", parts.consultation_unlink, name="consultation_unlink"),
]
