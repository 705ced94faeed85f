"""The support mapping as JSON: the figures of iisg.analysis.selectors, nothing computed here."""

from rest_framework import serializers

from iisg.actions.choices import Coverage
from iisg.needs.choices import NeedStatus, Priority

MONEY = {"max_digits": None, "decimal_places": 2}


class TallySerializer(serializers.Serializer):
    """The figures of a group of needs, as the dashboard's tables show them."""

    needs = serializers.IntegerField()
    covered = serializers.IntegerField(help_text="Needs with an active confirmed response in the year.")
    covered_share = serializers.DecimalField(max_digits=None, decimal_places=4, allow_null=True)
    gaps = serializers.IntegerField(help_text="Adopted needs without an active confirmed response.")
    high_priority_gaps = serializers.IntegerField()
    overlaps = serializers.IntegerField(help_text="Needs with active confirmed responses of two or more donors.")
    committed = serializers.DecimalField(**MONEY, help_text="EUR")
    disbursed = serializers.DecimalField(**MONEY, help_text="EUR")


class ScopeSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(source="cycle.pk")
    period = serializers.CharField(source="cycle.period")
    year = serializers.IntegerField()
    pillar = serializers.CharField(source="pillar.code", allow_null=True, default=None)
    partner = serializers.CharField(source="partner.code", allow_null=True, default=None)
    area = serializers.IntegerField(source="area.pk", allow_null=True, default=None)
    priority = serializers.CharField(allow_blank=True)
    donor = serializers.IntegerField(source="donor.pk", allow_null=True, default=None)


class CellSerializer(serializers.Serializer):
    partner = serializers.CharField(source="partner.code")
    pillar = serializers.CharField(source="pillar.code")
    figures = TallySerializer()


class PartnerTotalSerializer(serializers.Serializer):
    partner = serializers.CharField(source="partner.code")
    figures = TallySerializer()


class PillarTotalSerializer(serializers.Serializer):
    pillar = serializers.CharField(source="pillar.code")
    figures = TallySerializer()


class PrioritySerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    figures = TallySerializer()


class AreaTotalSerializer(serializers.Serializer):
    pillar = serializers.CharField(source="pillar.code")
    area = serializers.IntegerField(source="area.pk", allow_null=True, default=None)
    figures = TallySerializer()


class YearFundingSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    actions = serializers.IntegerField(help_text="Actions with transactions in the year.")
    committed = serializers.DecimalField(**MONEY)
    disbursed = serializers.DecimalField(**MONEY)


class NeedCoverageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=NeedStatus.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    partner = serializers.CharField(source="partner.code")
    pillar = serializers.CharField(source="pillar.code")
    area = serializers.IntegerField(source="area.pk", allow_null=True, default=None)
    coverage = serializers.ChoiceField(choices=[("", "None"), *Coverage.choices], allow_blank=True)
    is_gap = serializers.BooleanField()
    is_overlap = serializers.BooleanField()
    committed = serializers.DecimalField(**MONEY)
    disbursed = serializers.DecimalField(**MONEY)
    donors = serializers.SerializerMethodField()
    implementers = serializers.SerializerMethodField()

    def get_donors(self, need) -> list[int]:
        return [organisation.pk for organisation in need.donors]

    def get_implementers(self, need) -> list[int]:
        return [organisation.pk for organisation in need.implementers]


class ContributorSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation.pk")
    name = serializers.CharField(source="organisation.name")
    needs = serializers.IntegerField()
    overlapping_needs = serializers.IntegerField()
    actions = serializers.IntegerField()
    committed = serializers.DecimalField(**MONEY)
    disbursed = serializers.DecimalField(**MONEY)
    partners = serializers.SerializerMethodField()

    def get_partners(self, row) -> list[str]:
        return [partner.code for partner in row.partners]


class CoverageSerializer(serializers.Serializer):
    """The public sees what the public dashboard shows (totals, partner × pillar, priorities,
    funding over time); members also the needs one by one, the areas, donors and implementers."""

    scope = ScopeSerializer()
    total = TallySerializer()
    heatmap = CellSerializer(many=True, help_text="Every partner × pillar of the scope.")
    partners = PartnerTotalSerializer(many=True)
    pillars = PillarTotalSerializer(many=True)
    by_priority = PrioritySerializer(many=True)
    funding = YearFundingSerializer(many=True)
    transactions_without_eur = serializers.IntegerField(help_text="Transactions left out: no currency or no rate.")
    by_area = AreaTotalSerializer(many=True, required=False, help_text="Members only.")
    needs = NeedCoverageSerializer(many=True, required=False, help_text="Members only.")
    donors = ContributorSerializer(many=True, required=False, help_text="Members only.")
    implementers = ContributorSerializer(many=True, required=False, help_text="Members only.")
