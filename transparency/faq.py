"""Live figures in FAQ text: a clerk writes `[[active_cameras]]` and the portal shows today's number.

Why not Django templates: a clerk's text run as a template could reach any context variable, tag or filter
(`{% load %}`, `{% include %}`, attribute lookups); our syntax can only name one of FIGURES, the rest of the text
is escaped, and an unknown name is refused when the entry is saved, so a typo never reaches the public as a blank.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# name -> what it is (shown to clerks in admin, and in the docs)
FIGURES: dict[str, str] = {
    "active_cameras": "Cameras active now",
    "planned_cameras": "Cameras planned (program facts)",
    "planned_cameras_by": "Target date of the planned cameras",
    "temporarily_relocated_cameras": "Active cameras placed temporarily in a residential area",
    "retention_days": "Days reads are kept before they are deleted",
    "partner_agencies": "Agencies that may reach our data under an MOU in effect today",
    "private_entities_sharing_in": "Private entities that share their camera data with us",
    "searches_to_date": "Searches by our staff since the system started",
    "public_comment_meeting_date": "Date of the governing body's public comment meeting on ALPR",
    "cost_this_fiscal_year": "What the program costs this fiscal year (all recorded costs)",
    "fiscal_year": "This fiscal year, e.g. FY 2026-27",
    "questions_received": "Questions received from the public",
    "questions_answered": "Questions answered",
    "median_days_to_answer": "Median time to answer a question, in days",
}

FIGURE_PATTERN = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
UNKNOWN_FIGURE = "Unknown figure name{s} in double brackets: {names}. The names you can use are: {known}."
NOT_RECORDED = "not recorded"


def figure_names(text: str) -> list[str]:
    return [match.strip() for match in FIGURE_PATTERN.findall(text or "")]


def figure_names_refusal(text: str) -> str | None:
    """The message refusing `text`, or None when every `[[name]]` in it is a known figure."""
    unknown = sorted({name for name in figure_names(text) if name not in FIGURES})
    if not unknown:
        return None
    return UNKNOWN_FIGURE.format(
        s="s" if len(unknown) > 1 else "",
        names=", ".join(f"[[{name}]]" for name in unknown),
        known=", ".join(FIGURES),
    )


def format_figure(value) -> str:
    """How a figure reads in a sentence: 1,234; $12,500; March 4, 2026; "not recorded"."""
    if value is None:
        return NOT_RECORDED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"${value:,.0f}" if value == value.to_integral_value() else f"${value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, dt.date):
        return f"{value:%B} {value.day}, {value.year}"
    return str(value)


def render_with_figures(text: str, values: dict) -> list[SafeString]:
    """`text` as escaped paragraphs (split on blank lines), each `[[name]]` replaced by its value, marked with
    `data-figure-name` so that tests and readers can find it. Unknown names (only possible for text saved before a
    figure was retired) show as "not recorded" rather than as brackets."""

    def substitute(match: re.Match) -> str:
        name = match.group(1).strip()
        shown = format_figure(values.get(name)) if name in FIGURES else NOT_RECORDED
        return f'<span class="live-figure" data-figure-name="{escape(name)}">{escape(shown)}</span>'

    paragraphs = [part.strip() for part in (text or "").replace("\r\n", "\n").split("\n\n") if part.strip()]
    rendered = []
    for paragraph in paragraphs:
        pieces, last = [], 0
        for match in FIGURE_PATTERN.finditer(paragraph):
            pieces.append(escape(paragraph[last : match.start()]))
            pieces.append(substitute(match))
            last = match.end()
        pieces.append(escape(paragraph[last:]))
        rendered.append(mark_safe("".join(pieces).replace("\n", "<br>")))  # noqa: S308 (every piece escaped)
    return rendered


def render_plain(text: str, values: dict) -> str:
    """`text` with each `[[name]]` replaced by its value, as plain text (the answer e-mailed to a resident)."""

    def substitute(match: re.Match) -> str:
        name = match.group(1).strip()
        return format_figure(values.get(name)) if name in FIGURES else NOT_RECORDED

    return FIGURE_PATTERN.sub(substitute, text or "")


# The standard questions of a city's ALPR page, offered as a starting set (transparency.program_services.
# faq_add_starter_set). Every number in them is a live figure.
STARTER_FAQ: list[tuple[str, str]] = [
    (
        "How many ALPR cameras are there, and are more planned?",
        "[[active_cameras]] cameras are active today. [[planned_cameras]] more are planned, with a target date of "
        "[[planned_cameras_by]]. [[temporarily_relocated_cameras]] of the active cameras are placed temporarily in "
        "a residential neighbourhood for a specific crime trend.",
    ),
    (
        "Where are the cameras?",
        "Camera locations are not published. Cameras are placed on arterial roads, highways and commercial areas; "
        "they are not installed permanently in residential neighbourhoods, only moved there for a limited time to "
        "answer a specific crime trend.",
    ),
    (
        "How long is the data kept?",
        "Plate reads are deleted after [[retention_days]] days, unless they are held as evidence for a specific case.",
    ),
    (
        "Who is the data shared with?",
        "Only California public agencies under a signed agreement (MOU): [[partner_agencies]] agencies may reach "
        "our data today. It is never shared with federal or out-of-state agencies, or with private companies.",
    ),
    (
        "Do private businesses or neighbourhoods share their cameras with the police?",
        "[[private_entities_sharing_in]] private entities share their camera data with us, one way: they receive "
        "no data in return.",
    ),
    (
        "Is the data used for immigration enforcement?",
        "No. California law (Government Code §7284.6, SB 54) forbids it, and the system refuses any search or "
        "hotlist entry made for that purpose.",
    ),
    (
        "How often is the system searched?",
        "Our staff have searched the system [[searches_to_date]] times to date. Every search states a purpose and "
        "a case number and is logged.",
    ),
    (
        "Did the public have a say?",
        "The governing body heard public comment on the program on [[public_comment_meeting_date]].",
    ),
    (
        "What does the program cost?",
        "The program costs [[cost_this_fiscal_year]] in [[fiscal_year]] (acquisition, installation, annual service "
        "and maintenance), as shown in the contract and budget documents below.",
    ),
]
