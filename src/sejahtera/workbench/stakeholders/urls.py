from django.urls import path

from sejahtera.workbench.stakeholders import views

app_name = "stakeholders"
urlpatterns = [
    path("", views.organisation_list, name="organisations"),
    path("new/", views.organisation_create, name="organisation_create"),
    path("<int:pk>/", views.organisation_detail, name="organisation"),
    path("<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/reveal/", views.contact_reveal, name="contact_reveal"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("programmes/", views.programme_list, name="programmes"),
    path("programmes/<slug:code>/", views.programme_engagements, name="programme"),
    path(
        "programmes/<slug:code>/engagements/new/",
        views.engagement_create,
        name="engagement_create",
    ),
    path("engagements/<int:pk>/edit/", views.engagement_edit, name="engagement_edit"),
    path("engagements/<int:pk>/delete/", views.engagement_delete, name="engagement_delete"),
]
