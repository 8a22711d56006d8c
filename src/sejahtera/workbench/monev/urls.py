from django.urls import path

from sejahtera.workbench.monev import views

app_name = "monev"
urlpatterns = [
    path("", views.programme_list, name="programmes"),
    path("programmes/<slug:code>/", views.framework, name="framework"),
    path("programmes/<slug:code>/dashboard/", views.programme_dashboard, name="dashboard"),
    path("programmes/<slug:code>/results/new/", views.result_create, name="result_create"),
    path("results/<int:pk>/edit/", views.result_edit, name="result_edit"),
    path("results/<int:pk>/indicators/new/", views.indicator_create, name="indicator_create"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/targets/new/", views.target_create, name="target_create"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("indicators/<int:pk>/actuals/new/", views.actual_create, name="actual_create"),
    path("actuals/<int:pk>/edit/", views.actual_edit, name="actual_edit"),
    path("actuals/<int:pk>/verify/", views.actual_verify, name="actual_verify"),
    path("actuals/<int:pk>/approve/", views.actual_approve, name="actual_approve"),
    path("actuals/<int:pk>/reject/", views.actual_reject, name="actual_reject"),
]
