"""URLs of the 一企一表 / 通知书 documents (see planning/documents.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
