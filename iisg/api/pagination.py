from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=2&page_size=100`: fifty rows a page by default, never more than two hundred."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
