from django.urls import path

from . import views

app_name = "transparency"

urlpatterns = [
    path("", views.portal_index, name="index"),
    path("<slug:slug>/", views.portal, name="portal"),
    path("<slug:slug>/policy/v<int:version>/", views.policy_version, name="policy"),
    path("<slug:slug>/reports/<int:pk>/", views.report_detail, name="report"),
    path("<slug:slug>/reports/<int:pk>/print/", views.report_print, name="report-print"),
    path("<slug:slug>/reports/<int:pk>/report.csv", views.report_csv, name="report-csv"),
    path("<slug:slug>/reports/<int:pk>/report.pdf", views.report_pdf_download, name="report-pdf"),
]
