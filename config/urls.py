from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("registry/", include("registry.urls")),
    path("catalog/", include("catalog.urls")),
    path("inspectors/", include("inspectors.urls")),
    path("planning/", include("planning.urls")),
    path("inspections/", include("inspections.urls")),
    path("archives/", include("archives.urls")),
    path("public/", include("public.urls")),
    path("stats/", include("stats.urls")),
    path("reports/", include("reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"
