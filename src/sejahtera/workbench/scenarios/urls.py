from django.urls import path

from sejahtera.workbench.scenarios import views

app_name = "scenarios"
urlpatterns = [
    path("", views.scenario_list, name="list"),
    path("new/", views.scenario_create, name="create"),
    path("compare/", views.compare, name="compare"),
    path("compare/export/", views.compare_export, name="compare_export"),
    path("budget/", views.budget, name="budget"),
    path("budget/<int:pk>/", views.budget_result, name="budget_result"),
    path("rules/check/", views.rule_check, name="rule_check"),
    path("<int:pk>/", views.scenario_detail, name="detail"),
    path("<int:pk>/edit/", views.scenario_edit, name="edit"),
    path("<int:pk>/run/", views.scenario_run, name="run"),
    path("<int:pk>/publish/", views.scenario_publish, name="publish"),
    path("<int:pk>/reform.yaml", views.scenario_reform, name="reform"),
    path("<int:pk>/explain/", views.explain, name="explain"),
    path("<int:pk>/explain/<int:job>/", views.explain_result, name="explain_result"),
]
