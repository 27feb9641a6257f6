"""What each role may do, as Django model permissions held by one group per role.

The groups are kept in step with ROLE_PERMISSIONS by `migrate` itself (a post_migrate handler, the same
mechanism Django uses to create permissions), so no one creates or edits them by hand. Object-level
rules (which agency's data) are not here: they live in each model's `visible_to(user)` queryset.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from .choices import Role

_RECORDS = [
    "agencies.view_agency", "agencies.change_agency",
    "agencies.view_membership", "agencies.add_membership", "agencies.change_membership",
    "agencies.view_trainingrecord", "agencies.add_trainingrecord", "agencies.change_trainingrecord",
    "agencies.view_user", "agencies.add_user", "agencies.change_user",
    "agencies.view_apitoken", "agencies.add_apitoken", "agencies.change_apitoken",
    "agencies.view_prohibitedterm", "agencies.add_prohibitedterm", "agencies.change_prohibitedterm",
    "agencies.delete_prohibitedterm",
    "reads.view_camera", "reads.add_camera", "reads.change_camera",
    "hotlists.view_hotlist", "hotlists.add_hotlist", "hotlists.change_hotlist",
    "hotlists.view_hotlistentry", "hotlists.add_hotlistentry", "hotlists.change_hotlistentry",
    "hotlists.delete_hotlistentry", "hotlists.import_hotlist", "hotlists.view_hotlistimport",
    "sharing.view_mou", "sharing.add_mou", "sharing.change_mou", "sharing.view_sharingrefusal",
    "sharing.view_sharingevent",
    "transparency.view_usagepolicy", "transparency.add_usagepolicy", "transparency.change_usagepolicy",
    "transparency.view_publishedreport", "transparency.add_publishedreport",
]  # fmt: skip

_INVESTIGATION = [
    "reads.search_read", "reads.view_read_image", "reads.export_read", "reads.view_camera",
    "reads.view_evidencehold", "reads.add_evidencehold", "reads.release_evidencehold",
    "hotlists.view_hotlist", "hotlists.view_hotlistentry", "hotlists.add_hotlistentry",
    "hotlists.view_alert", "hotlists.transition_alert",
    "recognition.add_recognitionjob", "recognition.view_recognitionjob",
]  # fmt: skip

_AUDIT = [
    "agencies.view_agency", "agencies.view_membership", "agencies.view_trainingrecord", "agencies.view_user",
    "reads.view_accesslogentry", "reads.view_camera", "reads.view_purgerun", "reads.view_evidencehold",
    "sharing.view_mou", "sharing.view_sharingrefusal", "sharing.view_sharingevent", "hotlists.view_hotlistimport",
    "auditlog.view_logentry", "agencies.view_signinevent", "agencies.view_prohibitedterm",
    "transparency.view_usagepolicy", "transparency.view_publishedreport",
    "reads.view_searchaudit", "reads.add_searchaudit", "reads.change_searchaudit", "reads.view_partnersearch",
]  # fmt: skip

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENCY_ADMIN: sorted(set(_RECORDS + _INVESTIGATION + _AUDIT)),
    Role.RECORDS_CLERK: sorted(set(_RECORDS)),
    Role.INVESTIGATOR: sorted(set(_INVESTIGATION)),
    Role.OFFICER: sorted(
        {
            "reads.search_read",
            "reads.view_read_image",
            "reads.view_camera",
            "hotlists.view_hotlist",
            "hotlists.view_hotlistentry",
            "hotlists.view_alert",
            "hotlists.transition_alert",
        }
    ),  # fmt: skip
    Role.AUDITOR: sorted(set(_AUDIT)),
}

# Roles that work in Django admin; the others use the console and the API.
STAFF_ROLES = frozenset({Role.AGENCY_ADMIN, Role.RECORDS_CLERK, Role.AUDITOR})


def role_group_name(role: str) -> str:
    return f"role:{role}"


def sync_role_groups(apps=global_apps, using: str = "default", **kwargs) -> None:
    """Create one group per role and give it exactly the permissions ROLE_PERMISSIONS names."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role_group_name(role))
        wanted = []
        for name in names:
            app_label, codename = name.split(".", 1)
            wanted.extend(Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
