"""What every writing serializer of the API shares: a field it does not know is refused, not dropped.

A client that sends `transactions` to an endpoint that does not take them, or misspells `priority`,
gets a 400 naming each such field, as the query parameters already are (iisg.api.filters) — never
a 201 that quietly stored less than was sent.
"""

from collections.abc import Mapping

from rest_framework import serializers


class StrictFieldsMixin:
    """Refuses a body holding fields the serializer does not have (read-only ones are known)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field: this endpoint does not take it."] for name in unknown}
                )
        return super().to_internal_value(data)


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    pass
