from django.urls import path

from . import program_views, views

app_name = "transparency"

urlpatterns = [
    path("", views.portal_index, name="index"),
    path("<slug:slug>/", views.portal, name="portal"),
    path("<slug:slug>/policy/v<int:version>/", views.policy_version, name="policy"),
    path("<slug:slug>/reports/<int:pk>/", views.report_detail, name="report"),
    path("<slug:slug>/reports/<int:pk>/print/", views.report_print, name="report-print"),
    path("<slug:slug>/reports/<int:pk>/report.csv", views.report_csv, name="report-csv"),
    path("<slug:slug>/reports/<int:pk>/report.pdf", views.report_pdf_download, name="report-pdf"),
    path("<slug:slug>/questions/", program_views.ask_question, name="ask"),
    path("<slug:slug>/questions/thanks/", program_views.question_thanks, name="question-thanks"),
    path("<slug:slug>/evaluation/v<int:version>/", program_views.evaluation_version, name="evaluation"),
    path("<slug:slug>/documents/costs/<int:pk>.pdf", program_views.cost_document, name="cost-document"),
    path(
        "<slug:slug>/documents/presentations/<int:pk>.pdf",
        program_views.presentation_document,
        name="presentation-document",
    ),
    path("<slug:slug>/compliance/<int:pk>/", program_views.compliance_detail, name="compliance"),
    path("<slug:slug>/compliance/<int:pk>/report.csv", program_views.compliance_csv, name="compliance-csv"),
    path("<slug:slug>/compliance/<int:pk>/report.pdf", program_views.compliance_pdf_download, name="compliance-pdf"),
]
