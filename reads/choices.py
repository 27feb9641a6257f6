"""Fixed vocabularies of the reads app."""

from django.db import models


class CameraKind(models.TextChoices):
    FIXED = "fixed", "Fixed"
    MOBILE = "mobile", "Mobile (vehicle-mounted)"
    PRIVATE_SHARED = "private_shared", "Private, shared one way"


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


class OnBehalfOf(models.TextChoices):
    """For whom a search is made (Civil Code §1798.90.55(b): another agency must be a California public one)."""

    OWN = "own", "My own agency"
    OTHER = "other", "Another agency (name it)"


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


class Direction(models.TextChoices):
    """Travel direction relative to the camera, when the camera reports it that way."""

    APPROACHING = "approaching", "Approaching"
    RECEDING = "receding", "Receding"
