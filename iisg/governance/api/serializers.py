from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from iisg.api.fields import VisibleReferenceField

from ..models import Decision, Meeting, Product, ProductVersion


class MeetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = ["id", "event", "body", "pillar", "number", "chair"]


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["id", "meeting", "number", "kind", "text", "pillars"]


class ProductVersionSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(help_text="The file's address, checked against your rights.")

    class Meta:
        model = ProductVersion
        fields = ["id", "product", "version", "published_on", "notes", "download"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download(self, version):
        if not version.file:
            return None
        return reverse("governance:download", kwargs={"slug": version.product.slug, "pk": version.pk})


class ProductSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="The product's page.")
    adopted_by = VisibleReferenceField(help_text="The decision that adopted the product, when you may see it.")

    class Meta:
        model = Product
        fields = ["id", "title", "slug", "url", "kind", "status", "pillars", "description", "adopted_by"]
