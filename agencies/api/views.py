from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import AlprViewSet

from ..access import alpr_access_refusal, membership_of
from ..models import Agency
from .serializers import AgencySerializer, MeSerializer


class AgencyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AlprViewSet):
    """The directory of agencies in this system."""

    queryset = Agency.objects.all()
    serializer_class = AgencySerializer
    filterset_fields = ["kind", "state", "is_active"]
    lookup_field = "slug"
    required_perms = {"list": (), "retrieve": ()}  # open to everyone who may reach ALPR data


class MeView(APIView):
    """Who the caller is, for which agency they act, and whether they may reach ALPR data now."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        membership = membership_of(request.user)
        data = {
            "username": request.user.username,
            "agency": membership.agency if membership else None,
            "role": membership.role if membership else None,
            "training_current": alpr_access_refusal(request.user) is None,
        }
        return Response(MeSerializer(data).data)
