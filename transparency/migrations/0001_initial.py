"""Usage policies and published reports, and the triggers that keep them as records.

A published policy version and a published report are what the public and the council were shown; Django has no
way to say "never change this row", so two triggers do: a policy row is refused UPDATE and DELETE once
published_at is set (drafts stay editable), and a report row is refused UPDATE and DELETE always (a correction is
a new report that supersedes it). TRUNCATE, used by test teardown, does not fire row triggers.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FREEZE_SQL = """
CREATE FUNCTION transparency_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'transparency_usagepolicy' AND OLD.published_at IS NULL THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'A published % is a record and cannot be changed: % refused.', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER transparency_usagepolicy_frozen
    BEFORE UPDATE OR DELETE ON transparency_usagepolicy
    FOR EACH ROW EXECUTE FUNCTION transparency_refuse_change();
CREATE TRIGGER transparency_publishedreport_frozen
    BEFORE UPDATE OR DELETE ON transparency_publishedreport
    FOR EACH ROW EXECUTE FUNCTION transparency_refuse_change();
"""

FREEZE_SQL_REVERSE = """
DROP TRIGGER transparency_publishedreport_frozen ON transparency_publishedreport;
DROP TRIGGER transparency_usagepolicy_frozen ON transparency_usagepolicy;
DROP FUNCTION transparency_refuse_change();
"""


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("agencies", "0003_agency_sharing_permissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="UsagePolicy",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField(editable=False)),
                ("authorized_purposes", models.TextField(blank=True)),
                (
                    "job_titles_and_training",
                    models.TextField(blank=True, verbose_name="job titles with access, and their training"),
                ),
                ("monitoring", models.TextField(blank=True, verbose_name="how use is monitored")),
                ("sharing_purposes", models.TextField(blank=True)),
                ("sharing_process", models.TextField(blank=True)),
                ("sharing_restrictions", models.TextField(blank=True)),
                (
                    "custodian_title",
                    models.CharField(
                        blank=True,
                        help_text="A title, not a person's name.",
                        max_length=200,
                        verbose_name="custodian's title",
                    ),
                ),
                ("accuracy_measures", models.TextField(blank=True)),
                ("retention_and_destruction", models.TextField(blank=True)),
                ("periodic_audits", models.TextField(blank=True)),
                ("acceptable_uses", models.TextField(blank=True)),
                (
                    "additional_prohibited_uses",
                    models.TextField(
                        blank=True,
                        help_text="Uses the agency prohibits in addition to the standard ones, which every policy includes.",
                    ),
                ),
                ("hotlist_policy", models.TextField(blank=True)),
                ("effective_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("published_at", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="usage_policies", to="agencies.agency"
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "published_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "usage and privacy policy",
                "verbose_name_plural": "usage and privacy policies",
                "ordering": ["agency__name", "-version"],
            },
        ),
        migrations.CreateModel(
            name="PublishedReport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "period_kind",
                    models.CharField(
                        choices=[("month", "Monthly"), ("quarter", "Quarterly"), ("year", "Yearly")], max_length=8
                    ),
                ),
                ("period_start", models.DateField()),
                ("period_end", models.DateField(help_text="The last day of the period, included.")),
                ("figures", models.JSONField(editable=False)),
                (
                    "note",
                    models.TextField(
                        blank=True, help_text="Shown on the report, e.g. why it supersedes an earlier one."
                    ),
                ),
                ("published_at", models.DateTimeField(editable=False)),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="published_reports",
                        to="agencies.agency",
                    ),
                ),
                (
                    "published_by",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "supersedes",
                    models.OneToOneField(
                        blank=True,
                        help_text="The earlier report of the same period that this one corrects.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="superseded_by",
                        to="transparency.publishedreport",
                    ),
                ),
                (
                    "policy",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        help_text="The policy version in force when the report was published.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="transparency.usagepolicy",
                    ),
                ),
            ],
            options={
                "ordering": ["agency__name", "-period_start", "-published_at"],
            },
        ),
        migrations.AddConstraint(
            model_name="usagepolicy",
            constraint=models.UniqueConstraint(fields=("agency", "version"), name="usage_policy_unique_version"),
        ),
        migrations.AddConstraint(
            model_name="publishedreport",
            constraint=models.CheckConstraint(
                condition=models.Q(("period_end__gte", models.F("period_start"))), name="report_period_not_reversed",
                violation_error_message="The period ends before it starts.",
            ),
        ),
        migrations.RunSQL(FREEZE_SQL, FREEZE_SQL_REVERSE),
    ]
