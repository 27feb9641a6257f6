"""Pagination for every list endpoint (kept apart from common.api, which DRF's settings would import circularly)."""

from rest_framework import pagination


class StandardPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
