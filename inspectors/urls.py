from django.urls import path

from . import views

app_name = "inspectors"
urlpatterns = [
    path("", views.inspector_list, name="inspector_list"),
    path("new/", views.inspector_create, name="inspector_create"),
    path("export.xlsx", views.inspector_export, name="inspector_export"),
    path("<int:pk>/", views.inspector_detail, name="inspector_detail"),
    path("<int:pk>/edit/", views.inspector_edit, name="inspector_edit"),
    path("<int:pk>/status/", views.inspector_status, name="inspector_status"),
    path("<int:pk>/certificate/", views.inspector_certificate, name="inspector_certificate"),
    path("<int:pk>/account/", views.inspector_account, name="inspector_account"),
    path("<int:pk>/conflicts/", views.inspector_conflicts, name="inspector_conflicts"),
    path("conflicts/<int:pk>/withdraw/", views.conflict_withdraw, name="conflict_withdraw"),
    path("experts/", views.expert_list, name="expert_list"),
    path("experts/new/", views.expert_create, name="expert_create"),
    path("experts/export.xlsx", views.expert_export, name="expert_export"),
    path("experts/<int:pk>/", views.expert_detail, name="expert_detail"),
    path("experts/<int:pk>/edit/", views.expert_edit, name="expert_edit"),
]
