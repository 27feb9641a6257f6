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


class CameraPeer(models.TextChoices):
    """What feeds a camera's reads: this system's own batch API, or another product's output received as it is."""

    NATIVE = "native", "Native batch API"
    OPENALPR = "openalpr", "OpenALPR / Rekor agent"
    FRIGATE = "frigate", "Frigate NVR"
    PLATERECOGNIZER = "platerecognizer", "Plate Recognizer Stream / Snapshot"
    AXIS = "axis", "Axis License Plate Verifier"
    HIKVISION = "hikvision", "Hikvision ANPR camera"
    GENETEC = "genetec", "Genetec AutoVu / Security Center"


class DateOrder(models.TextChoices):
    """How a peer writes a date with slashes (Genetec's DateUtc `10/24/2024`): the order cannot be told from a date
    whose day is 12 or less."""

    NOT_SET = "", "Not set (ambiguous dates are refused)"
    MDY = "mdy", "Month/day/year"
    DMY = "dmy", "Day/month/year"
    YMD = "ymd", "Year/month/day"


class ReadSource(models.TextChoices):
    CAMERA_PUSH = "camera_push", "Camera push (batch API)"
    OPENALPR_AGENT = "openalpr_agent", "OpenALPR agent webhook"
    FRIGATE = "frigate", "Frigate NVR"
    PLATERECOGNIZER = "platerecognizer", "Plate Recognizer"
    AXIS = "axis", "Axis License Plate Verifier"
    HIKVISION = "hikvision", "Hikvision ANPR"
    GENETEC = "genetec", "Genetec AutoVu"
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
    # Recorded by the system, never stated by a user: every view of a hotlist alert's read data (§1798.90.52).
    HOTLIST_ALERT = "hotlist_alert", "Hotlist alert"


# What a user may state for a search, an image view or an export: every purpose but those the system records.
SYSTEM_PURPOSES = frozenset({Purpose.HOTLIST_ALERT})
STATED_PURPOSES = [(value, label) for value, label in Purpose.choices if value not in SYSTEM_PURPOSES]


class OnBehalfOf(models.TextChoices):
    """For whom a search is made (Civil Code §1798.90.55(b): another agency must be a California public one)."""

    OWN = "own", "My own agency"
    OTHER = "other", "Another agency (name it)"


class AccessAction(models.TextChoices):
    SEARCH = "search", "Search"
    IMAGE_VIEW = "image_view", "Image view"
    EXPORT = "export", "Export"
    TIMELINE = "timeline", "Vehicle timeline"
    ALERT_VIEW = "alert_view", "Hotlist alert view"


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
