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
    path("lapor/import/", views.lapor_import, name="lapor_import"),
    path("lapor/export/", views.lapor_export, name="lapor_export"),
    path("dtsen/", views.proposals, name="proposals"),
    path("dtsen/export/", views.proposals_export, name="proposals_export"),
    path("dtsen/sent/", views.proposals_sent, name="proposals_sent"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/appeal/", views.appeal, name="appeal"),
    path("<int:pk>/dtsen/", views.propose, name="propose"),
]
