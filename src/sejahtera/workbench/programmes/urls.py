from django.urls import path

from sejahtera.workbench.programmes import views

app_name = "programmes"
urlpatterns = [
    path("", views.programme_list, name="programmes"),
    path("new/", views.programme_create, name="programme_create"),
    path("renja/", views.renja_export, name="renja_export"),
    path("<slug:code>/edit/", views.programme_edit, name="programme_edit"),
    path("<slug:code>/budgets/new/", views.budget_create, name="budget_create"),
    path("<slug:code>/", views.programme_detail, name="programme"),
    path("<slug:code>/cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path("cycles/<int:pk>/reveal/", views.cycle_reveal, name="cycle_reveal"),
    path("cycles/<int:pk>/export/", views.cycle_export, name="cycle_export"),
    path("exports/<int:pk>/", views.export_download, name="export_download"),
    path("cycles/<int:pk>/generate/", views.cycle_generate, name="cycle_generate"),
    path("cycles/<int:pk>/freeze/", views.cycle_freeze, name="cycle_freeze"),
    path("cycles/<int:pk>/changes/new/", views.change_create, name="change_create"),
    path("cycles/<int:pk>/payments/new/", views.payment_create, name="payment_create"),
    path("changes/<int:pk>/decide/", views.change_decide, name="change_decide"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
]
