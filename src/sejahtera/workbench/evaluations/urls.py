from django.urls import path

from sejahtera.workbench.evaluations import views

app_name = "evaluations"
urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("new/", views.evaluation_create, name="create"),
    path("tables/new/", views.table_upload, name="upload"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("<int:pk>/download.<str:kind>", views.evaluation_download, name="download"),
]
