"""The API's request parsers (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES, and every view that names its own): DRF's,
plus the checks of common.inputs on whatever they parse, so that no view, serializer or service ever receives text
the database cannot store or a structure deeper than the API takes.

The body's size is Django's DATA_UPLOAD_MAX_MEMORY_SIZE: DRF reads a JSON or form body through `request.body`, and a
multipart body's fields through Django's parser, which both enforce it (RequestDataTooBig, answered 413 by
common.api.exception_handler).
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json  # the json DRF parses with: strict_constant refuses NaN and Infinity

from .inputs import (
    JSON_MAX_DEPTH,
    JSON_TOO_DEEP,
    TEXT_FORBIDDEN,
    BadInput,
    body_problem,
    json_text_may_hold_forbidden,
    nesting_depth,
    printable,
    text_problem,
)


def _check_form(data) -> None:
    """Form fields (a QueryDict), names and values, by the same rule as JSON text. (Uploaded files' names need no
    check: Django keeps only their printable characters.)"""
    for name, values in data.lists():
        for value in (name, *values):
            if isinstance(value, str) and (char := text_problem(value)):
                raise BadInput(TEXT_FORBIDDEN.format(char=char), field=printable(name))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the nesting bounded and every string checked (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            text = stream.read().decode(encoding)
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError as exc:  # thousands of nested brackets: the C parser runs out of stack first
            raise BadInput(JSON_TOO_DEEP) from exc
        except ValueError as exc:  # bad JSON, and bytes that are not UTF-8 (UnicodeDecodeError)
            raise ParseError(f"JSON parse error - {exc}") from exc
        if nesting_depth(data) > JSON_MAX_DEPTH:
            raise BadInput(JSON_TOO_DEEP)
        # The walk that finds (and names) a forbidden character runs only when the text says there may be one.
        if json_text_may_hold_forbidden(text) and (problem := body_problem(data)) is not None:
            raise problem
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _check_form(result.data)
        return result
