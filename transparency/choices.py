"""Fixed vocabularies of the transparency app."""

from django.db import models


class PeriodKind(models.TextChoices):
    MONTH = "month", "Monthly"
    QUARTER = "quarter", "Quarterly"
    YEAR = "year", "Yearly"


# Uses no agency may allow, whatever its policy says (Government Code §7284.6 and the agency programs this system
# is modelled on). Shown on every policy before the agency's own additions; not editable.
STANDARD_PROHIBITED_USES = [
    "Immigration enforcement, or helping anyone else with it (California Government Code §7284.6, SB 54).",
    "Traffic enforcement alone: ALPR data is not used to issue citations or to find traffic violations.",
    "Harassing or intimidating any person or group.",
    "Targeting anyone because of a protected characteristic (race, ethnicity, religion, national origin, gender, "
    "sexual orientation, disability or any other class protected by law), or for lawful activity protected by the "
    "First Amendment.",
    "Personal use, or any use that is not for the agency's law-enforcement purposes.",
]

# What the system records and what it does not, shown on every portal.
DETECTED = [
    "The characters and state of a vehicle's rear license plate, and how sure the software is of them.",
    "The date and time, and which camera read the plate.",
    "The vehicle's make, model, type and color, as far as the software can tell.",
    "A photograph of the rear of the vehicle and a close-up of its plate.",
]
NOT_DETECTED = [
    "No faces and no facial recognition.",
    "No images or identification of drivers or passengers.",
    "Rear plates only: cameras do not read the front of vehicles.",
    "No audio, and no speed measurement.",
]
