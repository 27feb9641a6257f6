"""API base classes. Every viewset inherits AlprViewSet so that no view can forget the permission choke point."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from agencies.access import NO_AGENCY, access_of, alpr_access_refusal
from agencies.choices import TokenPurpose
from agencies.models import ApiToken
from common.client import client_address  # noqa: F401 - re-exported: views log the address the sign-in sees
from common.inputs import BODY_TOO_LARGE, FORM_TOO_MANY_FIELDS, BadInput
from common.outage import MESSAGES, RETRY_AFTER_SECONDS, unavailable_service

logger = logging.getLogger(__name__)

SUSPICIOUS_REQUEST = "The request was refused as malformed."
TOKEN_PURPOSE_REFUSED = "This token's purpose ({purpose}) does not allow this endpoint."
ACTION_NOT_MAPPED = "This endpoint does not allow {action}."


def token_purpose_refusal(request, allowed: frozenset[str]) -> str | None:
    token = request.auth
    if isinstance(token, ApiToken) and token.purpose not in allowed:
        return TOKEN_PURPOSE_REFUSED.format(purpose=token.get_purpose_display())
    return None


def required_perms_for(view, request) -> tuple[str, ...] | None:
    """The model permissions the view's `required_perms` names for this call's action (a viewset's action, else
    the HTTP method; HEAD as GET), or None when it names none: a missing entry refuses (fail closed). An action
    that needs no model permission says so with an empty tuple."""
    action = getattr(view, "action", None) or request.method.lower()
    if action == "head":
        action = "get"
    return getattr(view, "required_perms", {}).get(action)


class AlprDataPermission(permissions.BasePermission):
    """Signed in, active, in an active agency, currently trained, with a token whose purpose fits the view,
    and holding the view's model permission for the action (`required_perms` maps action -> perm names; an
    action it does not name is refused)."""

    def has_permission(self, request, view) -> bool:
        refusal = alpr_access_refusal(request.user)
        if refusal is not None:
            if not request.user.is_authenticated:
                raise exceptions.NotAuthenticated(refusal)
            raise exceptions.PermissionDenied(refusal)
        refusal = token_purpose_refusal(request, getattr(view, "token_purposes", frozenset({TokenPurpose.API})))
        if refusal is not None:
            raise exceptions.PermissionDenied(refusal)
        needed = required_perms_for(view, request)
        if needed is None:
            raise exceptions.PermissionDenied(ACTION_NOT_MAPPED.format(action=request.method))
        return all(request.user.has_perm(perm) for perm in needed)


INGEST_TOKEN_REQUIRED = "Ingest endpoints take an ingest token (Authorization: Token <secret>) of a camera or agent."


class IngestPermission(permissions.BasePermission):
    """Camera and agent pushes: an ingest-purpose token of an active account in an active agency. Machine accounts
    write reads and reach none, so the training rule for people does not apply to them."""

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken) or token.purpose != TokenPurpose.INGEST:
            raise exceptions.NotAuthenticated(INGEST_TOKEN_REQUIRED)
        membership = access_of(request.user).membership
        if membership is None or not membership.agency.is_active or not request.user.is_active:
            raise exceptions.PermissionDenied(NO_AGENCY)
        return True


class AlprViewSet(viewsets.GenericViewSet):
    """Base viewset: the queryset is always narrowed by the model's `visible_to(user)`, so an object the caller
    may not see is a 404, never a 403 that would confirm it exists."""

    permission_classes = [AlprDataPermission]
    token_purposes: frozenset[str] = frozenset({TokenPurpose.API})
    required_perms: dict[str, tuple[str, ...]] = {}

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


def validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's django ValidationError as the API's 400: field errors by field, the rest as non_field_errors."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def exception_handler(exc, context):
    """DRF's handler, plus the API's one conversion of refusals that are not DRF's own into a 4xx:
    - input refused by the parsers (common.inputs.BadInput: forbidden characters, nesting too deep) -> 400 naming the
      field and the problem;
    - a service's django ValidationError -> 400, as `validation_error` words it;
    - Django's SuspiciousOperation: a body over DATA_UPLOAD_MAX_MEMORY_SIZE -> 413, a form with too many fields or
      files -> 400, any other -> 400;
    and a database or cache outage answers 503 with Retry-After instead of a 500."""
    if isinstance(exc, BadInput):
        return Response(exc.as_body(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = validation_error(exc)
    elif isinstance(exc, RequestDataTooBig):
        return Response({"detail": BODY_TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}, status=413)
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Response({"detail": FORM_TOO_MANY_FIELDS}, status=400)
    elif isinstance(exc, SuspiciousOperation):
        logger.warning("Suspicious request refused: %s", exc)
        return Response({"detail": SUSPICIOUS_REQUEST}, status=400)
    service = unavailable_service(exc)
    if service is not None:
        logger.warning("%s unavailable: %s", service, exc)
        return Response({"detail": MESSAGES[service]}, status=503, headers={"Retry-After": RETRY_AFTER_SECONDS})
    return drf_exception_handler(exc, context)
