"""What the admin pages of the versioned documents (the usage policy, the surveillance evaluation) share: a
published version cannot be changed or deleted, and each page shows the version's state, what it still lacks
before it can be published, and its public page once published (transparency.versions holds the rules)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from common.admin import RestrictedAdmin


class VersionedDocumentAdmin(RestrictedAdmin):
    public_url_name = ""  # the public page of one version: (agency slug, version)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False  # frozen: start a new version instead
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="state")
    def state(self, obj):
        return "Published" if obj.is_published else "Draft"

    @admin.display(description="complete", boolean=True)
    def complete(self, obj):
        return not obj.missing_elements

    @admin.display(description="missing before it can be published")
    def missing(self, obj):
        if obj is None or obj.pk is None:
            return "Every element below."
        if not obj.missing_elements:
            return "Nothing: every element is there."
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((label,) for label in obj.missing_elements))
        )

    @admin.display(description="public page")
    def public_page(self, obj):
        if obj is None or not obj.is_published:
            return "Not public until published."
        url = reverse(self.public_url_name, args=[obj.agency.slug, obj.version])
        return format_html('<a href="{}">{}</a>', url, url)
