from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=2&page_size=100`: fifty rows a page by default, never more than two hundred. A page or
    page size that is not a positive whole number is refused (400), not quietly replaced."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        refused = {}
        for name in (self.page_query_param, self.page_size_query_param):
            values = request.query_params.getlist(name)
            if len(values) > 1:
                refused[name] = [_("Give one value.")]
            elif values and not (values[0].isascii() and values[0].isdigit() and int(values[0]) > 0):
                refused[name] = [_("A whole number from 1.")]
        if refused:
            raise exceptions.ValidationError(refused)
        return super().paginate_queryset(queryset, request, view)
