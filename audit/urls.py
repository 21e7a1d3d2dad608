from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("export.xlsx", views.entry_export, name="entry_export"),
    path("verify/", views.chain_status, name="chain_status"),
    path("api/entries/", views.entry_list_api, name="api_entry_list"),
    path("<int:seq>/", views.entry_detail, name="entry_detail"),
]
