from django.urls import path

from sejahtera.workbench.grievances import views

app_name = "grievances"
urlpatterns = [
    path("", views.grievance_list, name="list"),
    path("new/", views.new, name="new"),
    path("new/sent/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("entry/", views.entry, name="entry"),
    path("statistics/", views.statistics, name="statistics"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/appeal/", views.appeal, name="appeal"),
]
