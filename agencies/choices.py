"""Fixed vocabularies of the agencies app."""

from django.db import models

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming", "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
}  # fmt: skip
STATE_CHOICES = sorted(US_STATES.items(), key=lambda item: item[1])


class AgencyKind(models.TextChoices):
    MUNICIPAL_POLICE = "municipal_police", "Municipal police department"
    SHERIFF = "sheriff", "County sheriff"
    STATE_LAW_ENFORCEMENT = "state_law_enforcement", "State law enforcement"
    FEDERAL = "federal", "Federal agency"
    PRIVATE_ENTITY = "private_entity", "Private entity"
    OTHER_PUBLIC = "other_public", "Other public agency"


# Civil Code §1798.90.55(b) and AG bulletin 2023-DLE-06: federal agencies and private entities are not
# "public agencies" to which ALPR information may be shared.
NON_PUBLIC_KINDS = frozenset({AgencyKind.FEDERAL, AgencyKind.PRIVATE_ENTITY})


class Role(models.TextChoices):
    AGENCY_ADMIN = "agency_admin", "Agency admin"
    RECORDS_CLERK = "records_clerk", "Records clerk"
    INVESTIGATOR = "investigator", "Investigator"
    OFFICER = "officer", "Officer"
    AUDITOR = "auditor", "Auditor"


class TokenPurpose(models.TextChoices):
    """What an API token may do. A token of one purpose is refused on endpoints of another."""

    API = "api", "Interactive API (the user's role applies)"
    INGEST = "ingest", "Camera or agent ingest only"


class SignInOutcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"


class SignInReason(models.TextChoices):
    """Why a sign-in step succeeded or failed. Staff sign in in two steps: password, then second factor."""

    PASSWORD_ACCEPTED = "password_accepted", "Password accepted"
    SECOND_FACTOR_VERIFIED = "second_factor_verified", "Second factor verified"
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", "Second factor enrolled"
    BAD_CREDENTIALS = "bad_credentials", "Wrong username or password"
    BAD_SECOND_FACTOR = "bad_second_factor", "Wrong second-factor code"
    LOCKED_OUT = "locked_out", "Refused: locked after too many failures"
