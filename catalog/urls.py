from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.item_list, name="item_list"),
    path("joint/", views.joint_list, name="joint_list"),
    path("lists/<str:code>/", views.list_detail, name="list_detail"),
    path("lists/<str:code>/draft/", views.draft_create, name="draft_create"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/export.xlsx", views.version_export, name="version_export"),
    path("versions/<int:pk>/import/", views.version_import, name="version_import"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:pk>/discard/", views.version_discard, name="version_discard"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("regulations/", views.regulation_list, name="regulation_list"),
    path("regulations/export.xlsx", views.regulation_export, name="regulation_export"),
    path("regulations/<int:pk>/", views.regulation_detail, name="regulation_detail"),
]
