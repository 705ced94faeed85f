from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from iisg.actions.api import views as actions
from iisg.analysis.api import views as analysis
from iisg.directory.api import views as directory
from iisg.events.api import views as events
from iisg.governance.api import views as governance
from iisg.needs.api import views as needs

from .views import ObtainToken

router = DefaultRouter()
router.register("pillars", directory.PillarViewSet)
router.register("partners", directory.PartnerViewSet)
router.register("organisations", directory.OrganisationViewSet)
router.register("memberships", directory.MembershipViewSet)
router.register("cycles", needs.CycleViewSet)
router.register("areas", needs.AreaViewSet)
router.register("needs", needs.NeedViewSet)
router.register("actions", actions.ActionViewSet)
router.register("responses", actions.ResponseViewSet)
router.register("events", events.EventViewSet)
router.register("meetings", governance.MeetingViewSet)
router.register("decisions", governance.DecisionViewSet)
router.register("products", governance.ProductViewSet)
router.register("product-versions", governance.ProductVersionViewSet)

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("token/", ObtainToken.as_view(), name="token"),
    path("coverage/", analysis.CoverageView.as_view(), name="coverage"),
    path("", include(router.urls)),
]
