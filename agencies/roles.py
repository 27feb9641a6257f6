"""What each role may do: the model permissions each role's group holds, and which roles each role may give.

This is the one written table of who may do what (docs/permissions.md prints it):
- an agency admin manages the people of their own agency (users, memberships, training records, API tokens) and
  may give any role up to agency admin, as well as everything a records clerk and an auditor do;
- a records clerk manages MOUs, hotlists, cameras, usage policies, published reports and the program page, but not
  people, tokens or training;
- an auditor reads (the access log, audits, sign-ins, change history) and runs search audits;
- investigators and officers work in the console and the API, not in admin.
Nobody changes their own role or training, and only a superuser sees or sets `is_superuser`, `is_staff`, groups
and raw permissions (agencies.access.restrict and the user admin enforce these).

The groups are kept in step with ROLE_PERMISSIONS by `migrate` itself (a post_migrate handler, the same
mechanism Django uses to create permissions), so no one creates or edits them by hand. Object-level
rules (which agency's records) are not here: agencies.access.restrict applies them to every admin page and form.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from .choices import Role

# The agency's people: only an agency admin manages them.
_PEOPLE = [
    "agencies.view_membership", "agencies.add_membership", "agencies.change_membership",
    "agencies.view_trainingrecord", "agencies.add_trainingrecord", "agencies.change_trainingrecord",
    "agencies.view_user", "agencies.add_user", "agencies.change_user",
    "agencies.view_apitoken", "agencies.add_apitoken", "agencies.change_apitoken",
]  # fmt: skip

# The agency's records: MOUs, hotlists, cameras, policies and reports (and its own agency row). People are seen,
# not managed: a clerk sees who works for the agency and whose training is current.
_RECORDS = [
    "agencies.view_agency", "agencies.change_agency",
    "agencies.view_membership", "agencies.view_trainingrecord", "agencies.view_user",
    "agencies.view_prohibitedterm", "agencies.add_prohibitedterm", "agencies.change_prohibitedterm",
    "agencies.delete_prohibitedterm",
    "reads.view_camera", "reads.add_camera", "reads.change_camera",
    "reads.view_frigatebroker", "reads.add_frigatebroker", "reads.change_frigatebroker",
    "hotlists.view_hotlist", "hotlists.add_hotlist", "hotlists.change_hotlist",
    "hotlists.view_hotlistentry", "hotlists.add_hotlistentry", "hotlists.change_hotlistentry",
    "hotlists.delete_hotlistentry", "hotlists.import_hotlist", "hotlists.view_hotlistimport",
    "sharing.view_mou", "sharing.add_mou", "sharing.change_mou", "sharing.view_sharingrefusal",
    "sharing.view_sharingevent",
    "transparency.view_usagepolicy", "transparency.add_usagepolicy", "transparency.change_usagepolicy",
    "transparency.view_publishedreport", "transparency.add_publishedreport",
    "transparency.view_publicquestion", "transparency.change_publicquestion", "transparency.delete_publicquestion",
    "transparency.view_faqentry", "transparency.add_faqentry", "transparency.change_faqentry",
    "transparency.delete_faqentry",
    "transparency.view_programfacts", "transparency.add_programfacts", "transparency.change_programfacts",
    "transparency.view_programcost", "transparency.add_programcost", "transparency.change_programcost",
    "transparency.view_councilauthorization", "transparency.add_councilauthorization",
    "transparency.change_councilauthorization",
    "transparency.view_communitypresentation", "transparency.add_communitypresentation",
    "transparency.change_communitypresentation",
    "transparency.view_surveillanceevaluation", "transparency.add_surveillanceevaluation",
    "transparency.change_surveillanceevaluation",
    "transparency.view_compliancereport", "transparency.add_compliancereport",
    "reads.view_cameraplacementnotice", "reads.change_cameraplacementnotice",
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
    "transparency.view_compliancereport", "transparency.view_publicquestion",
    "reads.view_searchaudit", "reads.add_searchaudit", "reads.change_searchaudit", "reads.view_partnersearch",
]  # fmt: skip

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENCY_ADMIN: sorted(set(_PEOPLE + _RECORDS + _INVESTIGATION + _AUDIT)),
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

# Who may give which role (through a membership of their own agency; never to themselves). A role missing here
# gives none. A superuser gives any role in any agency.
ROLES_GRANTABLE: dict[str, frozenset[str]] = {
    Role.AGENCY_ADMIN: frozenset(
        {Role.AGENCY_ADMIN, Role.RECORDS_CLERK, Role.INVESTIGATOR, Role.OFFICER, Role.AUDITOR}
    ),
    Role.RECORDS_CLERK: frozenset(),
    Role.INVESTIGATOR: frozenset(),
    Role.OFFICER: frozenset(),
    Role.AUDITOR: frozenset(),
}


def roles_grantable_by(role: str | None) -> frozenset[str]:
    """The roles a member with `role` may give; none for a role the table does not name (fail closed)."""
    return ROLES_GRANTABLE.get(role, frozenset())


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
