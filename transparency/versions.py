"""Versioned public documents (the usage and privacy policy, the surveillance evaluation): each agency's versions
are numbered 1, 2, 3...; a new version starts from the current published one; a draft can be changed; a version is
published only when every required element is written and no later version is already published; a published
version is frozen (a change means a new version). The rules are written once here; each document names its model,
its fields and its own wording (transparency.services, transparency.program_services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max
from django.utils import timezone

from agencies.models import Agency

Finish = Callable[[models.Model, dt.datetime], Sequence[str]]


@dataclass(frozen=True)
class VersionedDocument:
    model: type[models.Model]
    current: Callable[[Agency], models.Model | None]  # the agency's current published version (a selector)
    copied_fields: tuple[str, ...]  # carried from the version a new one starts from
    settable_fields: tuple[str, ...]  # what a draft may change (the copied ones and any others)
    frozen: str
    already_published: str
    incomplete: str  # with {missing}
    not_latest: str  # with {version}
    unknown_field: str  # with {name}

    def _check_fields(self, fields: dict) -> None:
        unknown = set(fields) - set(self.settable_fields)
        if unknown:
            raise ValidationError(self.unknown_field.format(name=", ".join(sorted(unknown))))

    def create(self, *, agency: Agency, user=None, base=None, fields: dict):
        """A new draft numbered after the agency's highest, starting from `base` (or the current published
        version). The caller holds the agency's row lock (transparency.services.lock_agency) in a transaction."""
        self._check_fields(fields)
        base = base or self.current(agency)
        version = (self.model.objects.filter(agency=agency).aggregate(v=Max("version"))["v"] or 0) + 1
        document = self.model(agency=agency, version=version, created_by=user)
        if base is not None:
            for name in self.copied_fields:
                setattr(document, name, getattr(base, name))
        for name, value in fields.items():
            setattr(document, name, value)
        document.full_clean()
        document.save()
        return document

    def update(self, document, *, fields: dict):
        """Change a draft (in a transaction); a published version is refused."""
        document = self.model.objects.select_for_update().get(pk=document.pk)
        if document.is_published:
            raise ValidationError(self.frozen)
        self._check_fields(fields)
        for name, value in fields.items():
            setattr(document, name, value)
        document.full_clean()
        document.save()
        return document

    def publish(self, document, *, user, now: dt.datetime | None = None, finish: Finish | None = None):
        """Publish a complete draft that no later published version supersedes (in a transaction, with the agency's
        row lock). `finish(document, now)` sets what else publishing fixes and returns those fields' names."""
        document = self.model.objects.select_for_update().get(pk=document.pk)
        if document.is_published:
            raise ValidationError(self.already_published)
        missing = document.missing_elements
        if missing:
            raise ValidationError(self.incomplete.format(missing="; ".join(label.lower() for label in missing)))
        current = self.current(document.agency)
        if current is not None and current.version > document.version:
            raise ValidationError(self.not_latest.format(version=current.version))
        now = now or timezone.now()
        document.published_at = now
        document.published_by = user
        fields = ["published_at", "published_by", *(finish(document, now) if finish else ())]
        document.save(update_fields=fields)
        return document
