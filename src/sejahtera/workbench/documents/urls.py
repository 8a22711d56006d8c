from django.urls import path

from sejahtera.workbench.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.index, name="index"),
    path("rpkd/", views.make_rpkd, name="rpkd"),
    path("lp2kd/", views.make_lp2kd, name="lp2kd"),
    path("<int:pk>/download/", views.download, name="download"),
]
