"""Uses the law forbids, recognised in free text (Government Code §7284.6, SB 54: no immigration enforcement).

Used wherever a person states a purpose or a reason: search purposes, hotlist entry reasons, imports.
"""

import re

IMMIGRATION_ENFORCEMENT_REFUSED = (
    "ALPR data may not be used for immigration enforcement (California Government Code §7284.6, SB 54)."
)

_IMMIGRATION = re.compile(
    r"\b(immigration|immigrant|deport\w*|ice\s+(detainer|hold|removal|ero|hsi)|\bI\.C\.E\.|undocumented|"
    r"illegal\s+alien|alien\s+removal|removal\s+proceeding\w*|visa\s+overstay|border\s+patrol|ero\b)",
    re.IGNORECASE,
)


def mentions_immigration_enforcement(*texts: str) -> bool:
    return any(text and _IMMIGRATION.search(text) for text in texts)
