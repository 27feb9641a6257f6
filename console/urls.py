"""Console pages under /console/ (the home page is `/`, named `home`, in config/urls.py)."""

from django.urls import path

from .views import alerts, analysis, holds, search, timeline

app_name = "console"

urlpatterns = [
    path("search/", search.search, name="search"),
    path("search/<int:log_id>/", search.results, name="results"),
    path("search/<int:log_id>/page/", search.results_page, name="results-page"),
    path("search/<int:log_id>/export/", search.export_csv, name="export"),
    path("search/<int:log_id>/reads/<int:read_id>/", search.read_detail, name="read-detail"),
    path("search/<int:log_id>/reads/<int:read_id>/image/", search.read_image, name="read-image"),
    path("search/<int:log_id>/reads/<int:read_id>/thumbnail/", search.read_thumbnail, name="read-thumbnail"),
    path("timeline/", timeline.timeline_search, name="timeline"),
    path("timeline/<int:log_id>/", timeline.timeline_result, name="timeline-result"),
    path("analysis/", analysis.analysis, name="analysis"),
    path("analysis/<int:log_id>/", analysis.analysis_result, name="analysis-result"),
    path("analysis/<int:log_id>/export/", analysis.analysis_export, name="analysis-export"),
    path("alerts/", alerts.alert_list, name="alerts"),
    path("alerts/feed/", alerts.alert_feed_json, name="alert-feed"),
    path("alerts/<int:alert_id>/", alerts.alert_detail, name="alert-detail"),
    path("alerts/<int:alert_id>/image/", alerts.alert_image, name="alert-image"),
    path("holds/", holds.hold_list, name="holds"),
    path("holds/place/", holds.hold_place_view, name="hold-place"),
    path("holds/<int:hold_id>/release/", holds.hold_release_view, name="hold-release"),
    path("holds/<int:hold_id>/reads/", holds.hold_reads, name="hold-reads"),
]
