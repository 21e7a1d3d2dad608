from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("my/", views.my_sheets, name="my_sheets"),
    path("sheets/<int:pk>/", views.sheet_detail, name="sheet_detail"),
    path(
        "sheets/<int:pk>/items/<int:part_pk>/<int:item_pk>/",
        views.sheet_item,
        name="sheet_item",
    ),
    path("sheets/<int:pk>/notice/", views.sheet_notice, name="sheet_notice"),
    path("sheets/<int:pk>/outcome/", views.sheet_outcome, name="sheet_outcome"),
    path("sheets/<int:pk>/signature/", views.sheet_signature, name="sheet_signature"),
    path("sheets/<int:pk>/evidence/", views.sheet_evidence, name="sheet_evidence"),
    path("sheets/<int:pk>/submit/", views.sheet_submit, name="sheet_submit"),
    path("sheets/<int:pk>/review/", views.sheet_review, name="sheet_review"),
    path("sheets/<int:pk>/publish/", views.sheet_publish, name="sheet_publish"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("results/<int:pk>/correct/", views.correction_create, name="correction_create"),
    path("corrections/<int:pk>/review/", views.correction_review, name="correction_review"),
    path("results/<int:pk>/followup/", views.followup_open, name="followup_open"),
    path("review/", views.review_queue, name="review_queue"),
    path("followups/", views.followup_list, name="followup_list"),
    path("followups/<int:pk>/", views.followup_detail, name="followup_detail"),
    path("followups/<int:pk>/update/", views.followup_update, name="followup_update"),
    path("followups/<int:pk>/evidence/", views.followup_evidence, name="followup_evidence"),
    path("followups/<int:pk>/close/", views.followup_close, name="followup_close"),
    path("tasks/<int:pk>/accountability/", views.accountability, name="accountability"),
    path("category-sets/", views.category_sets, name="category_sets"),
    path("credit/", views.credit_list, name="credit_list"),
    path("credit/<int:pk>/decide/", views.credit_decide, name="credit_decide"),
]
