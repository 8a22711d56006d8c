from django.urls import path

from sejahtera.workbench.core import person, twofactor, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("login/verify/", twofactor.verify, name="verify"),
    path("account/two-factor/", twofactor.security, name="security"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/poverty/", views.dashboard_poverty, name="dashboard_poverty"),
    path("profile/<str:language>/", views.profile_file, name="profile"),
    path("profile/<str:language>/<str:name>", views.profile_file, name="profile_file"),
    path("personal-data/export/", person.export, name="person_export"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/json/", views.job_json, name="job_json"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
]
