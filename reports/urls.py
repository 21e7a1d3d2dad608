from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("summary/", views.summary, name="summary"),
    path("summary.xlsx", views.summary_export, name="summary_export"),
    path("definitions/", views.definitions, name="definitions"),
    path("<int:dept>/<int:year>/<int:month>/", views.detail, name="detail"),
    path("<int:dept>/<int:year>/<int:month>/entries/", views.entry_add, name="entry_add"),
    path("<int:dept>/<int:year>/<int:month>/submit/", views.submit, name="submit"),
    path("<int:dept>/<int:year>/<int:month>/print/", views.draft_print, name="draft_print"),
    path(
        "<int:dept>/<int:year>/<int:month>/report.<str:fmt>",
        views.draft_export,
        name="draft_export",
    ),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("revisions/<int:pk>/", views.revision_detail, name="revision"),
    path("revisions/<int:pk>/print/", views.revision_print, name="revision_print"),
    path("revisions/<int:pk>/report.<str:fmt>", views.revision_export, name="revision_export"),
]
