from django.urls import path

from . import views

app_name = "archives"

urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("tasks/<int:pk>/", views.task_archive, name="task_archive"),
    path("tasks/<int:pk>/generate/", views.generate, name="generate"),
    path("tasks/<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/download/", views.download, name="download"),
]
