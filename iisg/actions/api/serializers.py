from django.utils.translation import gettext as _
from rest_framework import serializers

from iisg.api.fields import VisibleRelatedField, expected_version
from iisg.core.concurrency import claim_version
from iisg.directory.models import Partner, Pillar
from iisg.needs.models import Need

from .. import services
from ..models import Action, ActionOrganisation, ActionSector, Budget, Response, Transaction


class ParticipationSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = ActionOrganisation
        fields = ["organisation", "organisation_name", "role"]


class SectorSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionSector
        fields = ["vocabulary", "code", "percentage"]


MONEY_FIELDS = ["value", "currency", "value_date", "value_eur", "eur_rate", "rate_month"]


class BudgetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Budget
        fields = ["id", "budget_type", "status", "period_start", "period_end", *MONEY_FIELDS]


class TransactionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transaction
        fields = ["id", "transaction_type", "date", "reference", "provider", "receiver", "description", *MONEY_FIELDS]


# What a donor or implementer enters about an action (ActionWriteSerializer), then what the
# platform records beside it.
ENTERED_FIELDS = [
    "id",
    "title",
    "description",
    "iati_identifier",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "default_currency",
    "partners",
    "pillars",
]
ACTION_FIELDS = [
    *ENTERED_FIELDS,
    "source",
    "reporting_organisation",
    "withdrawn_at",
    "version",
    "created_at",
    "updated_at",
]


class ActionSerializer(serializers.ModelSerializer):
    """An action with its participating organisations, sectors, budgets and transactions (read
    only here: the back office, the Excel template and the IATI import write them)."""

    participations = ParticipationSerializer(many=True, read_only=True)
    sectors = SectorSerializer(many=True, read_only=True)
    budgets = BudgetSerializer(many=True, read_only=True)
    transactions = TransactionSerializer(many=True, read_only=True)

    class Meta:
        model = Action
        fields = [*ACTION_FIELDS, "participations", "sectors", "budgets", "transactions"]
        read_only_fields = fields


class ActionWriteSerializer(serializers.ModelSerializer):
    """What a donor or implementer enters about an action; a new one has the user's organisation
    taking part in it (iisg.actions.services.create_action)."""

    partners = VisibleRelatedField(queryset=Partner.objects.all(), many=True, required=False)
    pillars = VisibleRelatedField(queryset=Pillar.objects.all(), many=True, required=False)

    class Meta:
        model = Action
        fields = [*ENTERED_FIELDS, "version"]

    version = expected_version()

    def create(self, validated_data):
        user = self.context["request"].user
        validated_data.pop("version", None)
        actual = {name: validated_data.pop(name, None) for name in ("actual_start", "actual_end")}
        action = services.create_action(user=user, **validated_data)
        if any(actual.values()):
            return self._apply(action, actual)
        return action

    def update(self, instance, validated_data):
        claim_version(instance, validated_data.pop("version"))
        return self._apply(instance, validated_data)

    def _apply(self, instance, validated_data):
        partners = validated_data.pop("partners", None)
        pillars = validated_data.pop("pillars", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        if instance.iati_identifier == "":
            instance.iati_identifier = None
        instance.full_clean()
        instance._history_user = self.context["request"].user
        instance.save()
        if partners is not None:
            instance.partners.set(partners)
        if pillars is not None:
            instance.pillars.set(pillars)
        return instance


class ResponseSerializer(serializers.ModelSerializer):
    """The link of an action to a need. A new one is proposed, for the Secretariat to confirm."""

    action = VisibleRelatedField(queryset=Action.objects.all())
    need = VisibleRelatedField(queryset=Need.objects.all())

    class Meta:
        model = Response
        fields = [
            "id",
            "action",
            "need",
            "coverage",
            "status",
            "matcher_score",
            "matched_terms",
            "confirmed_at",
            "comment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "matcher_score", "matched_terms", "confirmed_at", "created_at", "updated_at"]
        # The service says why a second link of the same action and need is refused (409).
        validators = []

    def create(self, validated_data):
        return services.propose_response(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        raise serializers.ValidationError(_("A response is proposed, confirmed or rejected, not edited."))


class DecisionStepSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Why; required to reject."
    )
