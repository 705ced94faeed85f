from rest_framework import serializers

from iisg.api.fields import VisibleRelatedField, expected_version
from iisg.api.serializers import StrictModelSerializer, StrictSerializer

from .. import services
from ..choices import NeedStatus
from ..models import Area, Cycle, Need


class CycleSerializer(serializers.ModelSerializer):
    period = serializers.CharField(read_only=True)

    class Meta:
        model = Cycle
        fields = [
            "id",
            "kind",
            "first_year",
            "last_year",
            "period",
            "status",
            "opens_on",
            "closes_on",
            "review_closes_on",
            "adopted_by",
        ]


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "cycle", "pillar", "parent", "code", "name", "description"]


NEED_FIELDS = [
    "id",
    "cycle",
    "reference",
    *services.EDITABLE_FIELDS,
    "status",
    "review_comment",
    "carried_over_from",
    "version",
    "created_at",
    "updated_at",
]
NEED_READ_ONLY = ["reference", "status", "review_comment", "carried_over_from", "version", "created_at", "updated_at"]


class NeedSerializer(StrictModelSerializer):
    """A need; a new one is a draft, added by services.create_need like the back office adds them:
    checked against the rules and numbered (AL-WBBSi-008)."""

    cycle = VisibleRelatedField(queryset=Cycle.objects.needs_mapping())
    area = VisibleRelatedField(queryset=Area.objects.all(), allow_null=True, required=False)
    sectors = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text="The DAC 5-digit sector codes people accepted for the need on its page.",
    )

    class Meta:
        model = Need
        fields = [*NEED_FIELDS, "sectors"]
        read_only_fields = NEED_READ_ONLY

    def create(self, validated_data):
        need = Need(**validated_data, status=NeedStatus.DRAFT)
        return services.create_need(user=self.context["request"].user, need=need)


class NeedChangeSerializer(StrictModelSerializer):
    """A change of a need (services.update_need): its cycle and partner stay, its status moves only
    by the workflow steps."""

    class Meta:
        model = Need
        fields = NEED_FIELDS
        read_only_fields = [*NEED_READ_ONLY, "cycle", "partner"]

    area = VisibleRelatedField(queryset=Area.objects.all(), allow_null=True, required=False)
    version = expected_version()

    def update(self, instance, validated_data):
        version = validated_data.pop("version")
        return services.update_need(
            user=self.context["request"].user, need=instance, changes=validated_data, version=version
        )


class StepSerializer(StrictSerializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Why; required to return or reject."
    )
