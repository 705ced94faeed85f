from rest_framework import serializers

from ..models import Event


class EventSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="The event's page.")

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "slug",
            "uid",
            "url",
            "start_date",
            "end_date",
            "city",
            "country",
            "kind",
            "mode",
            "status",
            "sequence",
            "partners",
            "pillars",
            "organisers",
            "participants",
            "summary",
            "image",
            "image_alt",
        ]
