"""Receiving endpoints for other products' plate reads, one per peer, each taking an ingest token and feeding the
one ingest service through reads.peers.ingest. The parsing of each product's format lives in reads.peers.<peer>;
these views only take the request apart (JSON, XML or multipart) and answer.
"""

from __future__ import annotations

import base64
import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.access import membership_of
from agencies.authentication import TOKEN_INVALID, HashedTokenAuthentication, HashedTokenScheme
from common.api import IngestPermission
from common.parsers import JSONParser, MultiPartParser  # text, nesting and size checked like every API body
from common.throttles import FailOpenScopedRateThrottle

from ..choices import CameraPeer
from ..peers import axis, frigate, genetec, hikvision, platerecognizer
from ..peers.common import MAX_IMAGE_BYTES, PeerError
from ..peers.ingest import PeerCameraError, peer_reads_ingest
from ..services import IngestValidationError
from .serializers import BatchResponseSerializer

PART_MISSING = "The multipart body has no {part!r} part; {peer} sends {expected}."
PART_NOT_JSON = "The {part!r} part is not valid JSON: {error}."
PART_TOO_LARGE = "The {part!r} part is larger than {limit} bytes."
XML_BODY_EMPTY = "The XML body is empty."

ALL_DUPLICATES = "Every read in this message was already stored; nothing was stored twice."
STORED = "Stored."
UPDATED = "This message improved the read already stored for its vehicle pass."


class PeerTokenAuthentication(HashedTokenAuthentication):
    """The ingest token as `Authorization: Token <secret>`, or, for cameras whose push settings offer no header of
    their own (Axis, Hikvision), as the password of HTTP Basic authentication (any user name) or as `?token=` in
    the URL. The token is the same hashed, revocable, purpose-bound ingest token either way."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if len(header) == 2 and header[0].lower() == b"basic":
            try:
                _, _, secret = base64.b64decode(header[1], validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise AuthenticationFailed(TOKEN_INVALID) from None
            return self.authenticate_secret(secret)
        if not header and request.query_params.get("token"):
            return self.authenticate_secret(request.query_params["token"])
        return super().authenticate(request)


class PeerTokenScheme(HashedTokenScheme):
    """The camera token scheme in the OpenAPI schema."""

    target_class = "reads.api.peer_views.PeerTokenAuthentication"
    name = "cameraTokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Ingest token, sent as "Token <secret>", or as the password of HTTP Basic authentication, '
            "or as ?token=<secret> for cameras that cannot set a header.",
        }


class XMLBodyParser(BaseParser):
    """application/xml and text/xml bodies, handed over as bytes: the peer module parses them with defusedxml."""

    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class TextXMLBodyParser(XMLBodyParser):
    media_type = "text/xml"


def ingest_response(result) -> Response:
    """The answer to every ingest endpoint: counts, the ids of the reads stored or improved, and the alerts."""
    body = {
        "received": result.received,
        "stored": result.stored,
        "updated": len(result.updated),
        "duplicates": result.duplicates,
        "alerts": result.alerts,
        "read_ids": [read.id for read in result.reads] + list(result.updated),
        "detail": STORED if result.stored else (UPDATED if result.updated else ALL_DUPLICATES),
    }
    return Response(body, status=status.HTTP_201_CREATED if result.stored else status.HTTP_200_OK)


def _file_bytes(upload, part: str) -> bytes:
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError({part: [PART_TOO_LARGE.format(part=part, limit=MAX_IMAGE_BYTES)]})
    return upload.read()


def _json_part(request, part: str, peer: str, expected: str):
    """A JSON document sent as a multipart field or file named `part`."""
    value = request.FILES.get(part)
    raw = _file_bytes(value, part) if value is not None else request.POST.get(part)
    if raw in (None, b"", ""):
        raise ValidationError({part: [PART_MISSING.format(part=part, peer=peer, expected=expected)]})
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError({part: [PART_NOT_JSON.format(part=part, error=exc)]}) from None


class PeerIngestView(APIView):
    """Base of the peer endpoints: subclasses turn the request into PeerReads (`reads`)."""

    authentication_classes = [PeerTokenAuthentication]
    permission_classes = [IngestPermission]
    throttle_classes = [FailOpenScopedRateThrottle]
    throttle_scope = "ingest"
    peer: str = ""
    pass_window_s: int = 3600

    def reads(self, request) -> list:
        raise NotImplementedError

    def post(self, request):
        agency = membership_of(request.user).agency
        try:
            reads = self.reads(request)
            result = peer_reads_ingest(agency=agency, peer=self.peer, reads=reads, pass_window_s=self.pass_window_s)
        except PeerCameraError as exc:
            raise ValidationError({"camera": [str(exc)]}) from None
        except PeerError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        except IngestValidationError as exc:
            return Response({"detail": exc.message, "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return ingest_response(result)


_SCHEMA = extend_schema(request=OpenApiTypes.OBJECT, responses={201: BatchResponseSerializer})


class FrigateIngestView(PeerIngestView):
    """Frigate's `frigate/events` and `tracked_object_update` documents, forwarded over HTTP as JSON."""

    parser_classes = [JSONParser]
    peer = CameraPeer.FRIGATE
    pass_window_s = frigate.PASS_WINDOW_S

    def reads(self, request):
        return frigate.frigate_reads(request.data)

    @_SCHEMA
    def post(self, request):
        return super().post(request)


class PlateRecognizerIngestView(PeerIngestView):
    """Plate Recognizer Stream / Snapshot webhooks: JSON, or multipart with `json` and the image `upload`."""

    parser_classes = [JSONParser, MultiPartParser]
    peer = CameraPeer.PLATERECOGNIZER
    pass_window_s = platerecognizer.PASS_WINDOW_S

    def reads(self, request):
        if request.content_type.startswith("multipart/"):
            document = _json_part(request, "json", "Plate Recognizer", "the webhook document in `json`")
            upload = request.FILES.get("upload")
            image = _file_bytes(upload, "upload") if upload is not None else None
            return platerecognizer.platerecognizer_reads(document, image=image)
        return platerecognizer.platerecognizer_reads(request.data)

    @_SCHEMA
    def post(self, request):
        return super().post(request)


class AxisIngestView(PeerIngestView):
    """Axis License Plate Verifier's HTTP push: multipart `event` (JSON) and `image` (JPEG), or the event as JSON."""

    parser_classes = [MultiPartParser, JSONParser]
    peer = CameraPeer.AXIS
    pass_window_s = axis.PASS_WINDOW_S

    def reads(self, request):
        if request.content_type.startswith("multipart/"):
            document = _json_part(request, "event", "Axis", "the event JSON in `event` and the JPEG in `image`")
            upload = request.FILES.get("image")
            image = _file_bytes(upload, "image") if upload is not None else None
            return axis.axis_reads(document, image=image)
        return axis.axis_reads(request.data)

    @_SCHEMA
    def post(self, request):
        return super().post(request)


class HikvisionIngestView(PeerIngestView):
    """Hikvision ANPR "listening" push: multipart with the EventNotificationAlert XML and its pictures in any order,
    or the XML alone as the body."""

    parser_classes = [MultiPartParser, XMLBodyParser, TextXMLBodyParser]
    peer = CameraPeer.HIKVISION
    pass_window_s = hikvision.PASS_WINDOW_S

    def reads(self, request):
        if not request.content_type.startswith("multipart/"):
            if not request.data:
                raise PeerError(XML_BODY_EMPTY)
            return hikvision.hikvision_reads(request.data)
        xml, files = None, {}
        for name, upload in request.FILES.items():
            data = _file_bytes(upload, name)
            is_xml = "xml" in (upload.content_type or "") or name.lower().endswith(".xml")
            is_xml = is_xml or (upload.name or "").lower().endswith(".xml")
            if is_xml and xml is None:
                xml = data
            else:
                files[name] = data
                if upload.name:
                    files.setdefault(upload.name, data)
        for name, value in request.POST.items():
            if xml is None and (name.lower().endswith(".xml") or value.lstrip().startswith("<")):
                xml = value.encode()
        if xml is None:
            raise PeerError(hikvision.XML_MISSING)
        return hikvision.hikvision_reads(xml, files=files)

    @_SCHEMA
    def post(self, request):
        return super().post(request)


class GenetecIngestView(PeerIngestView):
    """Genetec AutoVu: the SharpV HTTP extension (JSON or XML) and the flat webhook (JSON)."""

    parser_classes = [JSONParser, XMLBodyParser, TextXMLBodyParser]
    peer = CameraPeer.GENETEC
    pass_window_s = genetec.PASS_WINDOW_S

    def reads(self, request):
        if isinstance(request.data, bytes):
            if not request.data:
                raise PeerError(XML_BODY_EMPTY)
            return genetec.genetec_reads_xml(request.data)
        return genetec.genetec_reads(request.data)

    @_SCHEMA
    def post(self, request):
        return super().post(request)
