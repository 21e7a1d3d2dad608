from django.urls import path

from . import import_views, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("imports/<str:kind>/", import_views.upload, name="import_upload"),
    path(
        "imports/<str:kind>/template.xlsx", import_views.template_download, name="import_template"
    ),
    path("imports/job/<uuid:pk>/", import_views.job_detail, name="import_job"),
    path("imports/job/<uuid:pk>/confirm/", import_views.job_confirm, name="import_confirm"),
    path("imports/job/<uuid:pk>/cancel/", import_views.job_cancel, name="import_cancel"),
    path("imports/job/<uuid:pk>/errors.xlsx", import_views.job_errors, name="import_errors"),
]
