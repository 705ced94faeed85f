from rest_framework import serializers

from iisg.api.fields import VisibleRelatedField, expected_version
from iisg.core.concurrency import claim_version

from ..choices import CycleKind, NeedStatus
from ..models import Area, Cycle, Need
from ..services import create_need


class CycleSerializer(serializers.ModelSerializer):
    period = serializers.CharField(read_only=True)

    class Meta:
        model = Cycle
        fields = ["id", "kind", "first_year", "last_year", "period", "status", "opens_on", "closes_on", "adopted_by"]


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "cycle", "pillar", "parent", "code", "name", "description"]


NEED_FIELDS = [
    "id",
    "cycle",
    "reference",
    "partner",
    "pillar",
    "area",
    "title",
    "description",
    "need_type",
    "perspective",
    "priority",
    "justification",
    "responsible_institution",
    "status",
    "review_comment",
    "carried_over_from",
    "version",
    "created_at",
    "updated_at",
]
NEED_READ_ONLY = ["reference", "status", "review_comment", "carried_over_from", "version", "created_at", "updated_at"]


def _record(need, user):
    """Check the model's rules (area of the pillar and cycle, unique reference…) and save the need
    with the user in its history."""
    need.full_clean()
    need._history_user = user
    need.save()
    return need


class NeedSerializer(serializers.ModelSerializer):
    """A need; a new one is a draft, added by services.create_need like the back office adds them:
    checked against the rules and numbered (AL-WBBSi-008)."""

    cycle = VisibleRelatedField(queryset=Cycle.objects.filter(kind=CycleKind.NEEDS))
    area = VisibleRelatedField(queryset=Area.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Need
        fields = NEED_FIELDS
        read_only_fields = NEED_READ_ONLY

    def create(self, validated_data):
        need = Need(**validated_data, status=NeedStatus.DRAFT)
        return create_need(user=self.context["request"].user, need=need)


class NeedChangeSerializer(serializers.ModelSerializer):
    """A change of a need: its cycle and partner stay, its status moves only by the workflow steps."""

    class Meta:
        model = Need
        fields = NEED_FIELDS
        read_only_fields = [*NEED_READ_ONLY, "cycle", "partner"]

    area = VisibleRelatedField(queryset=Area.objects.all(), allow_null=True, required=False)
    version = expected_version()

    def update(self, instance, validated_data):
        claim_version(instance, validated_data.pop("version"))
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return _record(instance, self.context["request"].user)


class StepSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Why; required to return or reject."
    )
