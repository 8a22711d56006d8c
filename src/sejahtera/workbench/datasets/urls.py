from django.urls import path

from sejahtera.workbench.datasets import views

app_name = "datasets"
urlpatterns = [
    path("", views.dataset_list, name="datasets"),
    path("<int:pk>/", views.dataset_detail, name="dataset"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/reveal/", views.version_reveal, name="version_reveal"),
    path("versions/<int:pk>/report.csv", views.version_report, name="version_report"),
    path("upload/", views.upload, name="upload"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/report.csv", views.upload_report, name="upload_report"),
    path(
        "uploads/<int:pk>/problems/reveal/",
        views.upload_problems_reveal,
        name="upload_problems_reveal",
    ),
]
