"""Writes of the program page: questions from the public and their answers, the FAQ and its starter set, the
surveillance evaluation (versioned, published like the usage policy), and the quarterly compliance report."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency

from .choices import PeriodKind
from .faq import STARTER_FAQ, figure_names_refusal, render_plain
from .program_models import (
    EVALUATION_ELEMENTS,
    QUESTION_MAX_CHARS,
    QUESTION_MIN_CHARS,
    ComplianceReport,
    FaqEntry,
    PublicQuestion,
    SurveillanceEvaluation,
)
from .program_selectors import compliance_figures, current_evaluation, program_figures
from .services import lock_agency, report_period_validate
from .versions import VersionedDocument

QUESTION_EMPTY = "Write your question."
QUESTION_TOO_SHORT = f"Your question is too short: write at least {QUESTION_MIN_CHARS} characters."
QUESTION_TOO_LONG = (
    f"Your question is too long: at most {QUESTION_MAX_CHARS:,} characters. Shorten it, or split it in two."
)
EMAIL_MALFORMED = "This is not an e-mail address we can reply to. Correct it, or leave it empty."
ANSWER_EMPTY = "Write the answer before sending it."
ANSWER_ALREADY_SENT = "This question was already answered on {at}; its answer cannot be sent again."
PUBLISH_NEEDS_ANSWER = "Only an answered question can be published in the FAQ."

EVALUATION_FROZEN = "A published evaluation cannot be changed. Start a new version from it instead."
EVALUATION_ALREADY_PUBLISHED = "This evaluation version is already published."
EVALUATION_INCOMPLETE = "This evaluation cannot be published: it lacks {missing}."
EVALUATION_NOT_LATEST = "A later version (v{version}) is already published. Start a new version from the current one."
EVALUATION_UNKNOWN_FIELD = "Not an evaluation field: {name}."

COMPLIANCE_ALREADY_PUBLISHED = "The compliance report for {period} is already published; it cannot be changed."

ANSWER_EMAIL_SUBJECT = "{agency}: the answer to your question about license plate cameras"
ANSWER_EMAIL_BODY = """You asked {agency}, on {asked}:

{question}

Our answer:

{answer}

We have now deleted your e-mail address from our records. This message was sent once and needs no reply.
"""


def _clean_question(question: str) -> str:
    text = (question or "").strip()
    if not text:
        raise ValidationError({"question": QUESTION_EMPTY})
    if len(text) > QUESTION_MAX_CHARS:
        raise ValidationError({"question": QUESTION_TOO_LONG})
    if len(text) < QUESTION_MIN_CHARS:
        raise ValidationError({"question": QUESTION_TOO_SHORT})
    return text


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": EMAIL_MALFORMED}) from None
    if len(email) > 254:
        raise ValidationError({"email": EMAIL_MALFORMED})
    return email


@transaction.atomic
def public_question_ask(
    *, agency: Agency, question: str, email: str = "", now: dt.datetime | None = None
) -> PublicQuestion:
    """Store a question from the public. Abuse checks that need the request (honeypot, fill time, rate per
    address) are the form's (transparency.question_form); the content rules are here so that every path keeps
    them."""
    text = _clean_question(question)
    email = _clean_email(email)
    return PublicQuestion.objects.create(agency=agency, question=text, email=email, asked_at=now or timezone.now())


def _erase_address(question: PublicQuestion, now: dt.datetime) -> None:
    question.email = ""
    question.email_erased_at = now


@transaction.atomic
def public_question_answer(
    *, question: PublicQuestion, answer: str, user, publish: bool = False, now: dt.datetime | None = None
) -> PublicQuestion:
    """Answer a question: the answer is e-mailed to the person where they gave an address, and the address is
    then erased in the same transaction (a failed send rolls everything back, so the clerk can try again)."""
    question = PublicQuestion.objects.select_for_update().select_related("agency").get(pk=question.pk)
    if question.is_answered:
        raise ValidationError(ANSWER_ALREADY_SENT.format(at=f"{timezone.localtime(question.answered_at):%Y-%m-%d}"))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": ANSWER_EMPTY})
    refusal = figure_names_refusal(answer)
    if refusal:
        raise ValidationError({"answer": refusal})
    now = now or timezone.now()
    question.answer = answer
    question.answered_at = now
    question.answered_by = user
    question.published_in_faq = publish
    if question.email:
        agency = question.agency.name
        send_mail(
            ANSWER_EMAIL_SUBJECT.format(agency=agency),
            ANSWER_EMAIL_BODY.format(
                agency=agency,
                asked=f"{timezone.localtime(question.asked_at):%B %d, %Y}",
                question=question.question,
                answer=render_plain(answer, program_figures(question.agency)),  # today's figures, as on the page
            ),
            settings.DEFAULT_FROM_EMAIL,
            [question.email],
        )
        question.answer_emailed_at = now
        _erase_address(question, now)
    question.save()
    return question


@transaction.atomic
def public_question_set_published(*, question: PublicQuestion, published: bool) -> PublicQuestion:
    """Show or hide an answered question in the FAQ."""
    question = PublicQuestion.objects.select_for_update().get(pk=question.pk)
    if published and not question.is_answered:
        raise ValidationError({"published_in_faq": PUBLISH_NEEDS_ANSWER})
    question.published_in_faq = published
    question.save(update_fields=["published_in_faq"])
    return question


@transaction.atomic
def public_question_erase_stale_addresses(*, now: dt.datetime | None = None) -> int:
    """Erase the e-mail address of questions asked more than PUBLIC_QUESTION_EMAIL_KEEP_DAYS ago that are still
    unanswered: an address is kept only to send the answer, and not forever."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PUBLIC_QUESTION_EMAIL_KEEP_DAYS)
    return PublicQuestion.objects.filter(asked_at__lt=cutoff).exclude(email="").update(email="", email_erased_at=now)


@transaction.atomic
def faq_add_starter_set(*, agency: Agency) -> list[FaqEntry]:
    """Add the standard questions of a city's ALPR page to the agency's FAQ (transparency.faq.STARTER_FAQ). A
    question the FAQ already has is left as the clerk wrote it."""
    existing = set(FaqEntry.objects.filter(agency=agency).values_list("question", flat=True))
    created = []
    for position, (question, answer) in enumerate(STARTER_FAQ, start=1):
        if question in existing:
            continue
        entry = FaqEntry(agency=agency, question=question, answer=answer, position=position * 10)
        entry.full_clean()
        entry.save()
        created.append(entry)
    return created


EVALUATION = VersionedDocument(
    model=SurveillanceEvaluation,
    current=current_evaluation,
    copied_fields=tuple(EVALUATION_ELEMENTS),
    settable_fields=tuple(EVALUATION_ELEMENTS),
    frozen=EVALUATION_FROZEN,
    already_published=EVALUATION_ALREADY_PUBLISHED,
    incomplete=EVALUATION_INCOMPLETE,
    not_latest=EVALUATION_NOT_LATEST,
    unknown_field=EVALUATION_UNKNOWN_FIELD,
)


@transaction.atomic
def surveillance_evaluation_create(
    *, agency: Agency, user=None, from_evaluation: SurveillanceEvaluation | None = None, **fields
) -> SurveillanceEvaluation:
    """A new draft version, numbered after the agency's highest, starting from `from_evaluation` (or the current
    published one)."""
    lock_agency(agency)
    return EVALUATION.create(agency=agency, user=user, base=from_evaluation, fields=fields)


@transaction.atomic
def surveillance_evaluation_update(*, evaluation: SurveillanceEvaluation, **fields) -> SurveillanceEvaluation:
    return EVALUATION.update(evaluation, fields=fields)


@transaction.atomic
def surveillance_evaluation_publish(
    *, evaluation: SurveillanceEvaluation, user, now: dt.datetime | None = None
) -> SurveillanceEvaluation:
    """Publish a complete draft; refused while any of the five elements is empty. Frozen from then on."""
    lock_agency(evaluation.agency)
    return EVALUATION.publish(evaluation, user=user, now=now)


@transaction.atomic
def compliance_report_publish(
    *, agency: Agency, period_start: dt.date, user, now: dt.datetime | None = None
) -> ComplianceReport:
    """Freeze one quarter's compliance figures (program_selectors.compliance_figures). One report per agency and
    quarter; the quarter must be over."""
    now = now or timezone.now()
    period_start, period_end = report_period_validate(
        kind=PeriodKind.QUARTER, start=period_start, today=timezone.localdate(now)
    )
    lock_agency(agency)
    existing = ComplianceReport.objects.filter(agency=agency, period_start=period_start).first()
    if existing is not None:
        raise ValidationError({"period_start": COMPLIANCE_ALREADY_PUBLISHED.format(period=existing.period_label)})
    figures = compliance_figures(agency, period_start=period_start, period_end=period_end, now=now)
    return ComplianceReport.objects.create(
        agency=agency,
        period_start=period_start,
        period_end=period_end,
        figures=figures,
        published_at=now,
        published_by=user,
    )
