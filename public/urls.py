from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("lists/", views.item_lists, name="lists"),
    path("lists/versions/<int:pk>/", views.list_version, name="list_version"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/results/", views.task_results, name="task_results"),
    path("results/", views.results, name="results"),
    path("draws/<int:pk>/certificate.zip", views.certificate, name="certificate"),
    path("verify.py", views.verify_py, name="verify_py"),
    path("how-to-verify/", views.how_to_verify, name="how_to_verify"),
    path("search/", views.search, name="search"),
    path("entities/<str:key>/", views.entity_detail, name="entity_detail"),
    path("feed.atom", views.feed, name="feed"),
    path("screen/", views.screen, name="screen"),
    path("screen/data/", views.screen_data, name="screen_data"),
]
