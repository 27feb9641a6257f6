"""Reads about sharing agreements."""

from __future__ import annotations


def owner_ids_sharing_with(*, partner, scope: str) -> list[int]:
    """Ids of owner agencies whose active MOU with `partner` grants `scope` today."""
    return []
