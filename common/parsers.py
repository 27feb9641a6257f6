"""The API's request parsers (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES, and every view that names its own): DRF's,
plus the checks of common.inputs on whatever they parse, so that no view, serializer or service ever receives text
the database cannot store or a structure deeper than the API takes.

JSON bodies are also bounded in size: DRF reads a JSON body straight from the stream, past Django's
DATA_UPLOAD_MAX_MEMORY_SIZE check (which guards only `request.body` and form fields), so the bound is applied here.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json  # the json DRF parses with: strict_constant refuses NaN and Infinity

from .inputs import (
    BODY_TOO_LARGE,
    FORM_TOO_MANY_FIELDS,
    JSON_TOO_DEEP,
    TEXT_FORBIDDEN,
    BadInput,
    body_problem,
    printable,
    text_problem,
)


def _body_too_large() -> BadInput:
    return BadInput(BODY_TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE), status=413)


def _read_bounded(stream) -> bytes:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return stream.read() if stream is not None else b""
    raw = stream.read(limit + 1) if stream is not None else b""
    if len(raw) > limit:
        raise _body_too_large()
    return raw


def _check_form(data) -> None:
    """Form fields (a QueryDict), names and values, by the same rule as JSON text. (Uploaded files' names need no
    check: Django keeps only their printable characters.)"""
    for name, values in data.lists():
        for value in (name, *values):
            if isinstance(value, str) and (char := text_problem(value)):
                raise BadInput(TEXT_FORBIDDEN.format(char=char), field=printable(name))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the body bounded (413), the nesting bounded and every string checked (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        raw = _read_bounded(stream)
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=json.strict_constant if self.strict else None)
        except RecursionError as exc:  # thousands of nested brackets: the C parser runs out of stack first
            raise BadInput(JSON_TOO_DEEP) from exc
        except ValueError as exc:  # bad JSON, and bytes that are not UTF-8 (UnicodeDecodeError)
            raise ParseError(f"JSON parse error - {exc}") from exc
        problem = body_problem(data)
        if problem is not None:
            raise problem
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = QueryDict(_read_bounded(stream), encoding=encoding)
        except TooManyFieldsSent as exc:
            raise BadInput(FORM_TOO_MANY_FIELDS) from exc
        _check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            result = super().parse(stream, media_type, parser_context)
        except RequestDataTooBig as exc:
            raise _body_too_large() from exc
        except TooManyFieldsSent as exc:
            raise BadInput(FORM_TOO_MANY_FIELDS) from exc
        _check_form(result.data)
        return result
