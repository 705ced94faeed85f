from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from iisg.actions.choices import OrganisationRole
from iisg.core.permissions import viewer_of
from iisg.needs.choices import Priority

from .. import selectors
from ..forms import ScopeForm
from . import serializers

SCOPE_PARAMETERS = [
    OpenApiParameter("cycle", int, description="Needs-mapping cycle id (default: the latest adopted)."),
    OpenApiParameter("year", int, description="Responses active in this year (default as the dashboard)."),
    OpenApiParameter("pillar", str, description="Pillar code."),
    OpenApiParameter("partner", str, description="Partner code."),
    OpenApiParameter("area", int, description="Area id."),
    OpenApiParameter("priority", str, enum=Priority.values),
    OpenApiParameter("donor", int, description="Donor organisation id (members only)."),
]


class CoverageView(APIView):
    """The support mapping of a scope, from the same selectors as the dashboard at /database/ and
    the reports. A value that is unknown or does not fit, or a filter given twice, is refused
    (400, naming the parameter); the dashboard ignores such values so that an old bookmark opens,
    but a program is better told."""

    @extend_schema(
        parameters=SCOPE_PARAMETERS,
        responses={200: serializers.CoverageSerializer, 404: OpenApiTypes.OBJECT},
        operation_id="coverage_retrieve",
    )
    def get(self, request):
        members = viewer_of(request.user).is_member
        form = ScopeForm(request.GET, members=members)
        refused = form.refusals()
        if refused:
            raise exceptions.ValidationError(refused)
        scope = form.scope()
        if scope is None:
            raise exceptions.NotFound(_("There is no needs-mapping cycle yet."))
        mapping = selectors.support_mapping(request.user, scope)
        heat = selectors.heatmap(mapping)
        figures = {
            "scope": scope,
            "total": heat.total,
            "heatmap": [
                {"partner": partner, "pillar": pillar, "figures": heat.cells.get((partner, pillar), selectors.Tally())}
                for partner in heat.partners
                for pillar in heat.pillars
            ],
            "partners": [{"partner": p, "figures": tally} for p, tally in heat.partner_totals.items()],
            "pillars": [{"pillar": p, "figures": tally} for p, tally in heat.pillar_totals.items()],
            "by_priority": [{"priority": p, "figures": tally} for p, tally in selectors.by_priority(mapping).items()],
            "funding": selectors.funding_over_time(mapping),
            "transactions_without_eur": mapping.transactions_without_eur,
        }
        if members:
            figures |= {
                "by_area": [
                    {"pillar": pillar, "area": area, "figures": tally}
                    for (pillar, area), tally in selectors.by_area(mapping).items()
                ],
                "needs": selectors.sort_by_priority(mapping.needs),
                "donors": selectors.contributors(mapping, role=OrganisationRole.FUNDING),
                "implementers": selectors.contributors(mapping, role=OrganisationRole.IMPLEMENTING),
            }
        return Response(serializers.CoverageSerializer(figures).data)
