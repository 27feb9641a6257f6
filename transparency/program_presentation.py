"""The program page's part of the portal context: live figures, the FAQ with its figures substituted, questions
from the public, the program's facts and documents, the evaluation and the compliance reports."""

from __future__ import annotations

from agencies.models import Agency

from .faq import render_with_figures
from .program_models import CommunityPresentation, CouncilAuthorization, ProgramCost
from .program_selectors import (
    compliance_reports,
    current_evaluation,
    program_figures,
    published_evaluations,
    published_faq,
    published_questions,
    question_stats,
)
from .question_form import QuestionForm


def program_context(agency: Agency) -> dict:
    figures = program_figures(agency)
    faq = [
        {"question": entry.question, "answer": render_with_figures(entry.answer, figures)}
        for entry in published_faq(agency)
    ]
    public_faq = [
        {
            "question": question.question,
            "answer": render_with_figures(question.answer, figures),
            "answered_at": question.answered_at,
        }
        for question in published_questions(agency)
    ]
    costs = list(ProgramCost.objects.filter(agency=agency).order_by("-fiscal_year"))
    return {
        "program": figures,
        "questions": question_stats(agency),
        "faq": faq,
        "public_faq": public_faq,
        "question_form": QuestionForm(),
        "evaluation": current_evaluation(agency),
        "evaluations": list(published_evaluations(agency)),
        "costs": costs,
        "current_fiscal_year": figures["fiscal_year"],
        "authorizations": list(CouncilAuthorization.objects.filter(agency=agency).order_by("-date")),
        "presentations": list(CommunityPresentation.objects.filter(agency=agency).order_by("-date")),
        "compliance_reports": list(compliance_reports(agency)),
    }
