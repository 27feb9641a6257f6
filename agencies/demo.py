"""Demo agencies and people. Fictional names; ORIs are well-formed but not real agencies'."""

from __future__ import annotations

import datetime as dt
from base64 import b32encode

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from .choices import AgencyKind, Role
from .models import Agency, TrainingRecord, User
from .services import membership_set

DEMO_PASSWORD = "demo-alpr-2026!"

# DEMO ONLY. Staff sign in with a second factor; so that a person trying the demo can, every demo staff account
# shares this fixed, published TOTP secret (the RFC 6238 test key "12345678901234567890"). A real deployment
# never seeds devices: each staff user enrols their own authenticator at first sign-in (/accounts/otp/setup/).
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
DEMO_TOTP_SECRET_B32 = b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode()
DEMO_TOTP_DEVICE_NAME = "Demo authenticator (demo only, shared published secret)"

AGENCIES = [
    # slug, name, ori, kind, state, retention, public comment meeting
    ("palm-vista-pd", "Palm Vista Police Department", "CA0330400", AgencyKind.MUNICIPAL_POLICE, "CA", 30, dt.date(2024, 3, 12)),
    ("desert-springs-pd", "Desert Springs Police Department", "CA0330500", AgencyKind.MUNICIPAL_POLICE, "CA", 60, dt.date(2023, 11, 7)),
    ("cathedral-hills-pd", "Cathedral Hills Police Department", "CA0330600", AgencyKind.MUNICIPAL_POLICE, "CA", 30, dt.date(2024, 6, 4)),
    ("mesa-county-so", "Mesa County Sheriff's Office", "CA0330000", AgencyKind.SHERIFF, "CA", 365, dt.date(2022, 9, 20)),
    ("palm-vista-town-center", "Palm Vista Town Center (private)", "CA0339901", AgencyKind.PRIVATE_ENTITY, "CA", 30, None),
    ("silver-state-city-pd", "Silver State City Police Department (Nevada)", "NV0160200", AgencyKind.MUNICIPAL_POLICE, "NV", 90, None),
    ("federal-investigations-bureau", "Federal Investigations Bureau", "DCFIB0000", AgencyKind.FEDERAL, "DC", 365, None),
]  # fmt: skip

USERS = [
    # username, agency slug, role, job title, trained
    ("pv-admin", "palm-vista-pd", Role.AGENCY_ADMIN, "ALPR program manager", True),
    ("pv-clerk", "palm-vista-pd", Role.RECORDS_CLERK, "Records supervisor", True),
    ("pv-investigator", "palm-vista-pd", Role.INVESTIGATOR, "Detective", True),
    ("pv-officer", "palm-vista-pd", Role.OFFICER, "Patrol officer", True),
    ("pv-auditor", "palm-vista-pd", Role.AUDITOR, "Professional standards sergeant", True),
    ("pv-untrained", "palm-vista-pd", Role.OFFICER, "Patrol officer (training lapsed)", False),
    ("ds-investigator", "desert-springs-pd", Role.INVESTIGATOR, "Detective", True),
    ("ch-investigator", "cathedral-hills-pd", Role.INVESTIGATOR, "Detective", True),
    ("mc-investigator", "mesa-county-so", Role.INVESTIGATOR, "Sheriff's detective", True),
    ("tc-clerk", "palm-vista-town-center", Role.RECORDS_CLERK, "Security manager", True),
    ("nv-investigator", "silver-state-city-pd", Role.INVESTIGATOR, "Detective", True),
    ("fed-agent", "federal-investigations-bureau", Role.INVESTIGATOR, "Special agent", True),
]


def seed(context: dict) -> None:
    agencies = {}
    for slug, name, ori, kind, state, retention, meeting in AGENCIES:
        agencies[slug], _ = Agency.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "ori": ori,
                "kind": kind,
                "state": state,
                "retention_days": retention,
                "public_comment_meeting_on": meeting,
                "public_comment_meeting_url": f"https://example.gov/{slug}/council/alpr" if meeting else "",
            },
        )
    today = timezone.localdate()
    users = {}
    for username, slug, role, title, trained in USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.gov"})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        membership_set(user=user, agency=agencies[slug], role=role, job_title=title)
        TrainingRecord.objects.filter(user=user).delete()
        completed = today - dt.timedelta(days=400 if not trained else 60)
        TrainingRecord.objects.create(
            user=user,
            course="ALPR use, privacy and SB 34 (POST-certified)",
            completed_on=completed,
            expires_on=completed + dt.timedelta(days=365),
        )
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"email": "admin@example.gov", "is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    staff = [user for user in [*users.values(), admin] if user.is_staff]  # membership_set keeps is_staff current
    for user in staff:
        TOTPDevice.objects.update_or_create(
            user=user, name=DEMO_TOTP_DEVICE_NAME, defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True}
        )
    staff_names = {user.username for user in staff}
    context["agencies"] = agencies
    context["users"] = users
    context["logins"] = [("admin", "superuser (all agencies) + demo TOTP")] + [
        (
            username,
            f"{role.label}, {agencies[slug].name}{'' if trained else ' - training lapsed'}"
            f"{' + demo TOTP' if username in staff_names else ''}",
        )
        for username, slug, role, _, trained in USERS
    ]
    context.setdefault("notes", []).append(
        f"Staff logins (+ demo TOTP) also ask for a code. DEMO ONLY, shared by all of them: add the TOTP secret "
        f"{DEMO_TOTP_SECRET_B32} (time-based, 6 digits, 30 s) to an authenticator app, or scan "
        f"otpauth://totp/ALPR%20records:demo?secret={DEMO_TOTP_SECRET_B32}&issuer=ALPR%20records"
    )
