from django.urls import include, path

from . import views

app_name = "planning"
urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/adjust/", views.plan_adjust, name="plan_adjust"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:pk>/batches/new/", views.batch_edit, name="batch_create"),
    path("versions/<int:pk>/batches/<int:batch_pk>/", views.batch_edit, name="batch_edit"),
    path("versions/<int:pk>/submit/", views.version_submit, name="version_submit"),
    path("versions/<int:pk>/review/", views.version_review, name="version_review"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/preview/", views.task_preview, name="task_preview"),
    path("tasks/<int:pk>/settings/", views.task_settings, name="task_settings"),
    path("tasks/<int:pk>/strata/", views.task_strata, name="task_strata"),
    path(
        "tasks/<int:pk>/departments/<int:dept_pk>/", views.task_department, name="task_department"
    ),
    path("tasks/<int:pk>/exclusions/", views.task_exclusions, name="task_exclusions"),
    path("tasks/<int:pk>/commit/", views.draw_commit, name="draw_commit"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
    path("draws/<int:pk>/digits/", views.draw_digits, name="draw_digits"),
    path("draws/<int:pk>/run/", views.draw_run, name="draw_run"),
    path("draws/<int:pk>/void/", views.draw_void, name="draw_void"),
    path("draws/<int:pk>/replace/", views.draw_replace, name="draw_replace"),
    path("draws/<int:pk>/certificate.zip", views.draw_certificate, name="draw_certificate"),
    path("draws/<int:pk>/commitment/", views.draw_commitment, name="draw_commitment"),
    path("oversight/", views.oversight, name="oversight"),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("tasks/<int:pk>/confirm/", views.dispatch_confirm, name="dispatch_confirm"),
    path("my/", views.my_work, name="my_work"),
    path("documents/", include("planning.document_urls")),
]
