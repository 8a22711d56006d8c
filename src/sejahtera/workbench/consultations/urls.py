from django.urls import path

from sejahtera.workbench.consultations import views

app_name = "consultations"
urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("new/", views.consultation_create, name="create"),
    path("<int:pk>/", views.consultation_detail, name="detail"),
    path("<int:pk>/reveal/", views.consultation_reveal, name="reveal"),
    path("<int:pk>/edit/", views.consultation_edit, name="edit"),
    path("<int:pk>/participants/new/", views.participant_create, name="participant_create"),
    path("participants/<int:pk>/delete/", views.participant_delete, name="participant_delete"),
    path("<int:pk>/inputs/new/", views.input_create, name="input_create"),
    path("inputs/<int:pk>/respond/", views.response_create, name="response_create"),
    path("<int:pk>/follow-ups/new/", views.follow_up_create, name="follow_up_create"),
    path("follow-ups/<int:pk>/edit/", views.follow_up_edit, name="follow_up_edit"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
]
