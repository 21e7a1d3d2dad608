"""URLs of the 一企一表 / 通知书 documents (see planning/documents.py), under /planning/documents/
and the planning namespace."""

from django.urls import path

from . import document_views as views

urlpatterns = [
    path("draw/<int:pk>/", views.draw_documents, name="draw_documents"),
    path("draw/<int:pk>/batch/", views.batch_start, name="documents_batch_start"),
    path("draw/<int:pk>/batch/status/", views.batch_status, name="documents_batch_status"),
    path("draw/<int:pk>/batch/download/", views.batch_download, name="documents_batch_download"),
    path(
        "assignments/<int:pk>/sheet.<str:fmt>",
        views.sheet_download,
        name="documents_sheet",
    ),
    path(
        "assignments/<int:pk>/notice.<str:fmt>",
        views.notice_download,
        name="documents_notice",
    ),
]
