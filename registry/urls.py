from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("entities/", views.entity_list, name="entity_list"),
    path("entities/new/", views.entity_create, name="entity_create"),
    path("entities/export.xlsx", views.entity_export, name="entity_export"),
    path("entities/<int:pk>/", views.entity_detail, name="entity_detail"),
    path("entities/<int:pk>/edit/", views.entity_edit, name="entity_edit"),
    path("entities/<int:pk>/grade/", views.entity_grade, name="entity_grade"),
    path("entities/<int:pk>/flag/", views.entity_flag_set, name="entity_flag_set"),
    path("entities/<int:pk>/flag/clear/", views.entity_flag_clear, name="entity_flag_clear"),
    path("entities/<int:pk>/blacklist/", views.entity_blacklist_add, name="entity_blacklist_add"),
    path(
        "entities/<int:pk>/blacklist/remove/",
        views.entity_blacklist_remove,
        name="entity_blacklist_remove",
    ),
    path("entities/<int:pk>/complaint/", views.entity_complaint, name="entity_complaint"),
    path("entities/<int:pk>/tags/", views.entity_tags, name="entity_tags"),
    path("tags/", views.tag_list, name="tag_list"),
    path("tags/<int:pk>/toggle/", views.tag_toggle, name="tag_toggle"),
    path("grading/", views.grading_list, name="grading_list"),
]
