from django.utils.translation import gettext as _
from rest_framework import serializers

from iisg.api.fields import VisibleRelatedField, expected_version
from iisg.api.serializers import StrictModelSerializer, StrictSerializer
from iisg.directory.models import Organisation, Partner, Pillar
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
ENTERED_FIELDS = ["id", *services.ACTION_FIELDS, "partners", "pillars"]
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
    """An action with its participating organisations, sectors, budgets and transactions, each
    money row with its EUR figure, the rate and the rate's month."""

    participations = ParticipationSerializer(many=True, read_only=True)
    sectors = SectorSerializer(many=True, read_only=True)
    budgets = BudgetSerializer(many=True, read_only=True)
    transactions = TransactionSerializer(many=True, read_only=True)

    class Meta:
        model = Action
        fields = [*ACTION_FIELDS, "participations", "sectors", "budgets", "transactions"]
        read_only_fields = fields


class ParticipationWriteSerializer(StrictModelSerializer):
    organisation = VisibleRelatedField(queryset=Organisation.objects.all())

    class Meta:
        model = ActionOrganisation
        fields = ["id", "organisation", "role"]
        extra_kwargs = {"id": {"read_only": False, "required": False}}


class SectorWriteSerializer(StrictModelSerializer):
    class Meta:
        model = ActionSector
        fields = ["id", "vocabulary", "code", "percentage"]
        extra_kwargs = {"id": {"read_only": False, "required": False}}


ENTERED_MONEY = ["value", "currency", "value_date"]


class BudgetWriteSerializer(StrictModelSerializer):
    class Meta:
        model = Budget
        fields = ["id", "budget_type", "status", "period_start", "period_end", *ENTERED_MONEY]
        extra_kwargs = {"id": {"read_only": False, "required": False}}


class TransactionWriteSerializer(StrictModelSerializer):
    provider = VisibleRelatedField(queryset=Organisation.objects.all(), allow_null=True, required=False)
    receiver = VisibleRelatedField(queryset=Organisation.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Transaction
        fields = [
            "id", "transaction_type", "date", "reference", "provider", "receiver", "description", *ENTERED_MONEY,
        ]  # fmt: skip
        extra_kwargs = {"id": {"read_only": False, "required": False}}


class ActionWriteSerializer(StrictModelSerializer):
    """What a donor or implementer enters about an action, with its rows: participating
    organisations, sectors, budgets and transactions, each list replacing the action's (a row with
    the `id` of one of its rows changes it, one without is added, a row left out is deleted; a
    list not sent is left as it is). Written by iisg.actions.services (create_action,
    update_action), which check the rules and the version, and give money its EUR figure; a new
    action has the user's organisation taking part in it. Answers with the action as it is read."""

    partners = VisibleRelatedField(queryset=Partner.objects.all(), many=True, required=False)
    pillars = VisibleRelatedField(queryset=Pillar.objects.all(), many=True, required=False)
    participations = ParticipationWriteSerializer(many=True, required=False)
    sectors = SectorWriteSerializer(many=True, required=False)
    budgets = BudgetWriteSerializer(many=True, required=False)
    transactions = TransactionWriteSerializer(many=True, required=False)

    class Meta:
        model = Action
        fields = [*ENTERED_FIELDS, "version", *services.CHILDREN]

    version = expected_version()

    def create(self, validated_data):
        validated_data.pop("version", None)
        return services.create_action(user=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        version = validated_data.pop("version")
        written_with_it = (*services.CHILDREN, "partners", "pillars")
        together = {name: validated_data.pop(name) for name in written_with_it if name in validated_data}
        return services.update_action(
            user=self.context["request"].user, action=instance, version=version, changes=validated_data, **together
        )

    def to_representation(self, instance):
        return ActionSerializer(instance, context=self.context).data


class ResponseSerializer(StrictModelSerializer):
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


class DecisionStepSerializer(StrictSerializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Why; required to reject."
    )
