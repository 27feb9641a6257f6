"""Demo MOUs: who shares with whom among the demo agencies, an expired and a revoked example, and the refusals of
a Nevada and a federal partner. Idempotent: an MOU already seeded (same parties, same stated need) is left alone."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from agencies.access import Scope

from . import services
from .models import MOU, SharingRefusal

S, A, H = Scope.SEARCH, Scope.ALERTS, Scope.HOTLISTS

MOUS = [
    # owner slug, partner slug, scopes, what happens to it, stated need
    ("palm-vista-pd", "desert-springs-pd", [S, A], "active", "Neighbouring city; shared auto-theft and burglary corridor on Highway 111."),
    ("palm-vista-pd", "mesa-county-so", [S, A, H], "active", "County sheriff patrols unincorporated areas around Palm Vista and runs the regional task force."),
    ("mesa-county-so", "palm-vista-pd", [S, A], "active", "Palm Vista PD investigates crimes whose suspects travel through county roads."),
    ("palm-vista-town-center", "palm-vista-pd", [S, A], "active", "One-way sharing: the shopping center's parking-lot cameras, for Palm Vista PD investigations."),
    ("palm-vista-pd", "cathedral-hills-pd", [S], "expired", "Pilot data-sharing agreement for the 2024 holiday season."),
    ("desert-springs-pd", "palm-vista-pd", [S], "revoked", "Reciprocal search access for the joint retail-theft operation."),
]  # fmt: skip

REFUSED = [
    ("palm-vista-pd", "silver-state-city-pd", "Request from a Nevada department for cross-border auto theft."),
    ("palm-vista-pd", "federal-investigations-bureau", "Request from a federal agency for a joint investigation."),
]


def _pdf(title: str) -> ContentFile:
    body = f"%PDF-1.4\n% Demo MOU: {title}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return ContentFile(body.encode(), name="signed-mou.pdf")


def seed(context: dict) -> None:
    agencies, users = context["agencies"], context["users"]
    out = context.get("stdout")
    clerk = users.get("pv-clerk")
    today = timezone.localdate()
    for owner_slug, partner_slug, scopes, fate, need in MOUS:
        owner, partner = agencies[owner_slug], agencies[partner_slug]
        if MOU.objects.filter(owner=owner, partner=partner, justification=need).exists():
            continue
        mou = services.mou_create(
            owner=owner,
            partner=partner,
            scopes=scopes,
            effective_on=today - dt.timedelta(days=90),
            expires_on=today + dt.timedelta(days=275),
            justification=need,
            owner_signatory=f"Chief of {owner.name}",
            partner_signatory=f"Chief of {partner.name}",
            partner_certified_purposes=True,
            document=_pdf(f"{owner.name} and {partner.name}"),
            created_by=clerk,
        )
        services.mou_activate(mou=mou, user=clerk)
        if fate == "expired":
            # Backdated for the demo: an agreement that ran out a month ago, as the nightly job would find it.
            MOU.objects.filter(pk=mou.pk).update(
                effective_on=today - dt.timedelta(days=400), expires_on=today - dt.timedelta(days=30)
            )
            services.mou_expire_due(today=today)
        elif fate == "revoked":
            services.mou_revoke(mou=mou, reason="Joint operation ended; council asked to end the sharing.", user=clerk)
    for owner_slug, partner_slug, need in REFUSED:
        owner, partner = agencies[owner_slug], agencies[partner_slug]
        if SharingRefusal.objects.filter(owner=owner, partner=partner).exists():
            continue
        try:
            services.mou_create(
                owner=owner,
                partner=partner,
                scopes=[S],
                effective_on=today,
                expires_on=today + dt.timedelta(days=365),
                justification=need,
                created_by=clerk,
            )
        except ValidationError as error:
            if out is not None:
                out.write(f"Sharing refused (as the law requires): {' '.join(error.messages)}")
        else:  # pragma: no cover - the rule is broken if this happens
            raise AssertionError(f"An MOU with {partner} was accepted; Civil Code §1798.90.55(b) forbids it.")
