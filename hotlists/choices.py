"""Fixed vocabularies of the hotlists app."""

from django.db import models


class HotlistSource(models.TextChoices):
    CA_DOJ_STOLEN_VEHICLES = "ca_doj_svs", "California DOJ stolen vehicles (CLEW svs.tbl)"
    CA_DOJ_FELONY_VEHICLES = "ca_doj_sfr", "California DOJ felony vehicles (CLEW sfr.tbl)"
    CA_DOJ_STOLEN_PLATES = "ca_doj_slr", "California DOJ stolen plates (CLEW slr.tbl)"
    NCIC = "ncic", "NCIC vehicle extract"
    CUSTOM = "custom", "Custom list (CSV)"
    MANUAL = "manual", "Manual entries"


CLEW_SOURCES = frozenset(
    {HotlistSource.CA_DOJ_STOLEN_VEHICLES, HotlistSource.CA_DOJ_FELONY_VEHICLES, HotlistSource.CA_DOJ_STOLEN_PLATES}
)


class Category(models.TextChoices):
    """The authorized reasons a plate may be on a hotlist. Immigration enforcement is not one and never may be
    (Government Code §7284.6, SB 54): the list is closed, and free text stating it is refused as well."""

    STOLEN_VEHICLE = "stolen_vehicle", "Stolen vehicle"
    STOLEN_PLATE = "stolen_plate", "Stolen plate"
    FELONY_VEHICLE = "felony_vehicle", "Vehicle wanted in a felony"
    WANTED_PERSON = "wanted_person", "Wanted person / warrant"
    MISSING_PERSON = "missing_person", "Missing or endangered person"
    AMBER_ALERT = "amber_alert", "Amber alert"
    PROTECTION_ORDER = "protection_order", "Protection order"
    PROTECTIVE_INTEREST = "protective_interest", "Protective interest"
    VIOLENT_PERSON = "violent_person", "Violent person"
    SUPERVISED_RELEASE = "supervised_release", "Supervised release"
    GANG_TERRORIST = "gang_terrorist", "Gang or terrorist organization member"
    SEX_OFFENDER = "sex_offender", "Registered sex offender"
    STOLEN_CANADIAN_VEHICLE = "stolen_canadian_vehicle", "Stolen Canadian vehicle"
    CRIMINAL_INVESTIGATION = "criminal_investigation", "Vehicle of interest in a criminal investigation"


# NCIC list code (column 0 of the vehicle extract) -> category.
NCIC_LIST_CODES: dict[str, str] = {
    "A": Category.AMBER_ALERT,
    "C": Category.SUPERVISED_RELEASE,
    "F": Category.FELONY_VEHICLE,
    "H": Category.PROTECTION_ORDER,
    "K": Category.PROTECTIVE_INTEREST,
    "L": Category.VIOLENT_PERSON,
    "M": Category.MISSING_PERSON,
    "P": Category.STOLEN_PLATE,
    "R": Category.STOLEN_CANADIAN_VEHICLE,
    "T": Category.GANG_TERRORIST,
    "V": Category.STOLEN_VEHICLE,
    "W": Category.WANTED_PERSON,
    "X": Category.SEX_OFFENDER,
}


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


class AlertLevel(models.TextChoices):
    """How a dispatch screen presents a hit."""

    SILENT = "silent", "Silent (logged, no sound)"
    STANDARD = "standard", "Standard"
    OFFICER_SAFETY = "officer_safety", "Officer safety (caution)"


class MatchStrategy(models.TextChoices):
    """How far a hotlist reaches past the exact plate text. Each level includes the ones before it."""

    EXACT = "exact", "Exact plate"
    CANONICAL = "canonical", "Exact or one OCR-confusion key (O/0, B/8, ...)"
    CANDIDATES = "candidates", "Exact, OCR-confusion key, or any of the OCR's alternative readings"


class MatchKind(models.TextChoices):
    EXACT = "exact", "Exact"
    CANONICAL = "canonical", "OCR-confusion key"
    CANDIDATE = "candidate", "OCR alternative reading"


class ImportFormat(models.TextChoices):
    CLEW = "clew", "CA DOJ CLEW fixed width"
    NCIC = "ncic", "NCIC fixed width"
    CSV = "csv", "CSV with a header row"


class ImportOutcome(models.TextChoices):
    """Where an import stands: queued and running while a worker has it, then one of the three outcomes."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    REFUSED = "refused", "Refused (bad file)"
    FAILED = "failed", "Failed (system error)"


class ImportStage(models.TextChoices):
    """The step a running import is at; `HotlistImport.progress` counts within it."""

    WAITING = "waiting", "Waiting for a worker"
    PARSING = "parsing", "Reading the file (progress: lines of total_lines)"
    STAGING = "staging", "Loading the entries (progress: entries of records_read)"
    APPLYING = "applying", "Replacing the list and checking stored reads, in one transaction"
    DONE = "done", "Done"


class AlertStatus(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CONFIRMED = "confirmed", "Confirmed"
    MISREAD = "misread", "Misread"
    NOT_LOCATED = "not_located", "Not located"
    CLEARED = "cleared", "Cleared"


# The disposition workflow: a step not listed here is refused, so nobody confirms a hit without acknowledging it.
ALERT_TRANSITIONS: dict[str, frozenset[str]] = {
    AlertStatus.NEW: frozenset({AlertStatus.ACKNOWLEDGED}),
    AlertStatus.ACKNOWLEDGED: frozenset(
        {AlertStatus.CONFIRMED, AlertStatus.MISREAD, AlertStatus.NOT_LOCATED, AlertStatus.CLEARED}
    ),
    AlertStatus.CONFIRMED: frozenset({AlertStatus.CLEARED}),
    AlertStatus.NOT_LOCATED: frozenset({AlertStatus.CLEARED}),
    AlertStatus.MISREAD: frozenset(),
    AlertStatus.CLEARED: frozenset(),
}
OPEN_ALERT_STATUSES = (AlertStatus.NEW, AlertStatus.ACKNOWLEDGED)


class SubscriptionKind(models.TextChoices):
    WEBHOOK = "webhook", "Signed webhook"
    EMAIL = "email", "E-mail"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"
