from django.http import Http404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..selectors import (
    PORTAL_CACHE_SECONDS,
    current_policy,
    current_reports,
    portal_agency,
    portal_figures,
    published_policies,
)
from .serializers import PortalSerializer


class TransparencyView(APIView):
    """The transparency portal's figures for one agency, as JSON. Public: no sign-in, no token.

    THE ONE DELIBERATE EXCEPTION to the ALPR permission choke point (common.api.AlprDataPermission and
    AlprViewSet): every other endpoint requires a trained user of an active agency and narrows what it returns with
    `visible_to(user)`. This one serves the public what Civil Code §1798.90.51 says the agency publishes, and so it
    returns only aggregate counts (reads, hits and searches per period and per day, searches by purpose, cameras by
    kind), the published policy text, and agency names from the live MOUs. It never returns a plate, a read, a
    username, a case number, a camera's name or location, or any row of the access log. Figures are computed by
    transparency.selectors.transparency_figures and cached for five minutes, so that traffic here cannot load the
    database. No authentication classes: a session or token is neither needed nor looked at.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=PortalSerializer, auth=[])
    def get(self, request, slug: str):
        agency = portal_agency(slug)
        if agency is None:
            raise Http404
        figures = portal_figures(agency)
        data = {
            **figures,
            "policy": current_policy(agency),
            "policy_versions": [
                {
                    "version": policy.version,
                    "published_at": policy.published_at,
                    "url": reverse("transparency:policy", args=[agency.slug, policy.version]),
                }
                for policy in published_policies(agency)
            ],
            "reports": [
                {
                    "id": report.pk,
                    "period_kind": report.period_kind,
                    "period_start": report.period_start,
                    "period_end": report.period_end,
                    "published_at": report.published_at,
                    "url": reverse("transparency:report", args=[agency.slug, report.pk]),
                }
                for report in current_reports(agency)
            ],
        }
        response = Response(PortalSerializer(data).data)
        patch_cache_control(response, public=True, max_age=PORTAL_CACHE_SECONDS)
        return response
