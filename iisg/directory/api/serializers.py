from rest_framework import serializers

from ..models import Membership, Organisation, Partner, Pillar


class PartnerSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True, help_text="The name with the designation asterisk (Kosovo*).")

    class Meta:
        model = Partner
        fields = ["id", "code", "name", "display_name", "has_designation_footnote", "order"]


class PillarSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pillar
        fields = ["id", "code", "acronym", "name", "objective", "tasks", "decision_making", "colour", "order"]


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "acronym", "kind", "partner", "country", "iati_identifier", "website"]


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "organisation", "body", "pillar", "role", "note", "since", "until", "admitted_by", "order"]
