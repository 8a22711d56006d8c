from django.urls import path

from sejahtera.workbench.needs import views

app_name = "needs"
urlpatterns = [
    path("", views.explorer, name="explorer"),
    path("export/", views.export, name="export"),
    path("measure/", views.measure_again, name="measure"),
]
