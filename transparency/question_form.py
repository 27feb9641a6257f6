"""The public question form, and its protection against abuse without any third-party service:

- a honeypot field (`website`) hidden from people (CSS and aria-hidden) that form-filling robots fill in;
- a minimum fill time: the form carries the time it was served, signed (django.core.signing, SECRET_KEY), and a
  post sooner than QUESTION_MIN_FILL_SECONDS after it, or with a missing, forged or day-old stamp, is refused;
- a per-address rate limit: at most PUBLIC_QUESTIONS_PER_ADDRESS questions per address per
  PUBLIC_QUESTIONS_WINDOW_SECONDS (the address from common.api.client_address, counted in the cache, never stored
  with the question);
- length bounds on the question, and a well-formed e-mail address (transparency.program_services).

A refused post saves nothing and gets a message saying what to do.
"""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache

from common.api import client_address

from .program_models import QUESTION_MAX_CHARS

STAMP_SALT = "transparency.question-form"
STAMP_MAX_AGE_SECONDS = 24 * 3600

REFUSED_ROBOT = (
    "Your question could not be accepted. If you are a person, leave the field labelled 'Leave empty' empty."
)
REFUSED_TOO_FAST = "That was faster than a person can write a question. Take a moment to check it, then send it again."
REFUSED_STALE = "This form has expired or was not served by this site. Reload the page and ask your question again."
REFUSED_FLOOD = (
    "Too many questions have come from your connection in the last hour. Please wait an hour and try again, "
    "or write to the agency's records office."
)


def form_stamp(now: float | None = None) -> str:
    """The time the form was served, signed: the form cannot claim an earlier time than it was served at."""
    return signing.Signer(salt=STAMP_SALT).sign(str(int(now if now is not None else time.time())))


class QuestionForm(forms.Form):
    question = forms.CharField(
        label="Your question",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": QUESTION_MAX_CHARS}),
        help_text=f"At most {QUESTION_MAX_CHARS:,} characters. Do not include personal details.",
        required=False,  # the service says what is wrong with an empty one, in one message for every path
    )
    email = forms.CharField(
        label="Your e-mail address (optional)",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Only to send you the answer; deleted once the answer is sent.",
    )
    website = forms.CharField(
        label="Leave empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["stamp"] = form_stamp()


def abuse_refusal(request, form: QuestionForm, *, now: float | None = None) -> tuple[str, int] | None:
    """(message, HTTP status) when the post is refused as abuse, else None. Checks the honeypot and the stamp
    first, and counts the address only for posts that pass them, so robots do not use up a person's quota."""
    now = now if now is not None else time.time()
    data = form.cleaned_data
    if data.get("website"):
        return REFUSED_ROBOT, 400
    try:
        served = int(signing.Signer(salt=STAMP_SALT).unsign(data.get("stamp") or ""))
    except (signing.BadSignature, ValueError):
        return REFUSED_STALE, 400
    if now - served > STAMP_MAX_AGE_SECONDS:
        return REFUSED_STALE, 400
    if now - served < settings.PUBLIC_QUESTION_MIN_FILL_SECONDS:
        return REFUSED_TOO_FAST, 400
    if _over_rate(client_address(request) or "unknown"):
        return REFUSED_FLOOD, 429
    return None


def _over_rate(address: str) -> bool:
    """Count this post against the address's window; True when it is over the limit. Fixed windows in the cache
    (`add` then `incr`, atomic in Redis). Without Redis the cache raises and the page answers 503 (common.outage):
    the form fails closed, since a flood must not get through because the counter is down."""
    window = settings.PUBLIC_QUESTIONS_WINDOW_SECONDS
    key = f"transparency:questions:{address}:{int(time.time()) // window}"
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add and incr: this is the window's first post
        cache.add(key, 1, window)
        count = 1
    return count > settings.PUBLIC_QUESTIONS_PER_ADDRESS
