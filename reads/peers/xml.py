"""Hardened XML reading for peers' documents (Hikvision, Genetec): no DTD, no entities, no external references,
so a camera (or whoever speaks for it) cannot expand entities into gigabytes or make this server fetch a URL."""

from __future__ import annotations

from xml.etree.ElementTree import Element  # noqa: S405 (only the type; parsing goes through defusedxml)

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from .common import PeerError

XML_MALFORMED = "The XML document is malformed: {error}."
XML_FORBIDDEN = "The XML document declares a DTD or entities, which this endpoint refuses (no entity expansion)."


def xml_parse(data: bytes | str) -> Element:
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise PeerError(XML_FORBIDDEN) from None
    except ParseError as exc:
        raise PeerError(XML_MALFORMED.format(error=exc)) from None
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]  # namespaces differ by firmware; names do not
    return root


def child_text(element: Element | None, *path: str) -> str:
    """The stripped text of element/path[0]/path[1]..., or "" when any step is missing."""
    for name in path:
        if element is None:
            return ""
        element = element.find(name)
    return (element.text or "").strip() if element is not None else ""
