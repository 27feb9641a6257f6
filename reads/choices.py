"""Fixed vocabularies of the reads app."""

from django.db import models


class CameraKind(models.TextChoices):
    FIXED = "fixed", "Fixed"
    MOBILE = "mobile", "Mobile (vehicle-mounted)"
    PRIVATE_SHARED = "private_shared", "Private, shared one way"


class CameraPlacement(models.TextChoices):
    """Where a camera stands. Residential placements are temporary only (Camera.clean, camera_placement_set)."""

    ARTERIAL = "arterial", "Arterial road"
    COMMERCIAL = "commercial", "Commercial area"
    HIGHWAY = "highway", "Highway or freeway"
    CITY_ENTRANCE = "city_entrance", "City entrance"
    INDUSTRIAL = "industrial", "Industrial area"
    RESIDENTIAL = "residential", "Residential neighbourhood (temporary only)"
    MOBILE = "mobile", "Mobile (on a vehicle)"


class PlateKind(models.TextChoices):
    FULL = "full", "Full plate"
    PARTIAL = "partial", "Partial plate"
    PAPER = "paper", "Paper / temporary"
    NONE = "none", "No plate"


class ReadSource(models.TextChoices):
    CAMERA_PUSH = "camera_push", "Camera push (batch API)"
    OPENALPR_AGENT = "openalpr_agent", "OpenALPR agent webhook"
    RECOGNITION = "recognition", "Image recognition"
    IMPORT = "import", "Import"


class Purpose(models.TextChoices):
    """Authorized purposes for a search or an image view (the agency policy's list, Civil Code §1798.90.51)."""

    CRIMINAL_INVESTIGATION = "criminal_investigation", "Criminal investigation"
    STOLEN_VEHICLE = "stolen_vehicle", "Stolen vehicle or plate"
    MISSING_PERSON = "missing_person", "Missing or endangered person (Amber / Silver / Feather alert)"
    WANTED_PERSON = "wanted_person", "Wanted person or warrant"
    ALERT_VERIFICATION = "alert_verification", "Hotlist alert verification"
    PROSECUTION = "prosecution", "Court, prosecution or discovery request"
    OTHER = "other", "Other (describe)"


class AccessAction(models.TextChoices):
    SEARCH = "search", "Search"
    IMAGE_VIEW = "image_view", "Image view"
    EXPORT = "export", "Export"
    TIMELINE = "timeline", "Vehicle timeline"


class Channel(models.TextChoices):
    API = "api", "API"
    WEB = "web", "Web console"
    ADMIN = "admin", "Admin"
    EXPORT = "export", "Export"
    # A superuser or a server operator reaching ALPR data (transparency.operator_access): logged like anyone's
    # access, under the agency whose data it was, so that agency's auditors see it.
    OPERATOR = "operator", "Operator (system administration)"


class Direction(models.TextChoices):
    """Travel direction relative to the camera, when the camera reports it that way."""

    APPROACHING = "approaching", "Approaching"
    RECEDING = "receding", "Receding"
