"""Hotlist file parsers: pure functions from lines of text to entries, raising one ImportFileError that lists every
bad line, so that a file is taken whole or not at all."""

from .base import ImportFileError, ParsedEntry, ParsedFile
from .clew import parse_clew
from .csv import parse_csv
from .ncic import parse_ncic

__all__ = ["ImportFileError", "ParsedEntry", "ParsedFile", "parse_clew", "parse_csv", "parse_ncic"]
