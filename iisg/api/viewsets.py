"""The base of every API view: querysets narrowed by `visible()`, writes checked by `can()`.

A subclass names `queryset` (with its select_related/prefetch_related), its serializer and its
filterset; `get_queryset()` keeps only the rows the user may see, so a row they may not see is a
404 on its own address and absent from the list.
"""

from django.db import transaction
from rest_framework import mixins, viewsets
from rest_framework.generics import get_object_or_404

from iisg.core.permissions import visible


class RuleReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    ordering = None  # the model's Meta.ordering unless ?ordering= says otherwise
    # Any segment reaches the view, which answers a JSON 404 for an id that is not one (the
    # router's default would leave "1.5" to Django's HTML 404 page).
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return visible(self.request.user, super().get_queryset())

    def visible_object(self):
        """The row of the URL if the user may see it (else 404), without the write check of
        get_object(): for a workflow step whose service checks the rules and says why it refuses."""
        return get_object_or_404(self.get_queryset(), pk=self.kwargs[self.lookup_url_kwarg or self.lookup_field])


class RuleViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    RuleReadOnlyViewSet,
):
    """Reads and writes; each write in one transaction, recorded in the history as the user's."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save()

    def perform_destroy(self, instance):
        # Each app's service deletes (checks, history with the user); there is no generic delete.
        raise NotImplementedError(f"{type(self).__name__} deletes through its app's service.")
