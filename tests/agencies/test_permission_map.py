"""A missing entry in a permission map refuses (fail closed): in the API's `required_perms`, and in the admin's
permission map (agencies.access.HOLDINGS)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from agencies import access
from agencies.access import UNKNOWN_ACTION, restrict
from agencies.choices import Role
from agencies.models import Agency
from common.admin import RestrictedAdmin
from common.api import ACTION_NOT_MAPPED, AlprDataPermission

pytestmark = pytest.mark.django_db


class _HalfMapped(APIView):
    permission_classes = [AlprDataPermission]
    required_perms = {"get": ()}

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        return Response({"wrote": True})


def test_an_api_action_missing_from_required_perms_is_refused(investigator):
    factory = APIRequestFactory()
    view = _HalfMapped.as_view()
    get = factory.get("/x/")
    force_authenticate(get, user=investigator)
    assert view(get).status_code == 200
    head = factory.head("/x/")
    force_authenticate(head, user=investigator)
    assert view(head).status_code == 200  # HEAD is GET
    post = factory.post("/x/", {})
    force_authenticate(post, user=investigator)
    refused = view(post)
    assert refused.status_code == 403
    assert refused.data["detail"] == ACTION_NOT_MAPPED.format(action="POST")


def _api_views():
    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield pattern

    for pattern in walk(get_resolver().url_patterns):
        view = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
        if view is not None and AlprDataPermission in getattr(view, "permission_classes", []):
            actions = getattr(pattern.callback, "actions", None)
            names = set(actions.values()) if actions else {m for m in ("get", "post", "put", "patch", "delete")
                                                           if hasattr(view, m)}  # fmt: skip
            yield pattern.name, view, names


def test_every_api_action_names_its_permissions():
    """Every action of every view behind AlprDataPermission is in its map, so none is refused by omission."""
    missing = [
        f"{name}: {view.__name__} {sorted(actions - set(view.required_perms))}"
        for name, view, actions in _api_views()
        if actions - set(view.required_perms)
    ]
    assert not missing, "\n".join(missing)


def test_a_model_missing_from_the_admin_permission_map_is_a_superusers_only(make_user, monkeypatch):
    agency_admin = make_user(Role.AGENCY_ADMIN, username="pv-admin")
    assert not restrict(Group.objects.all(), agency_admin, "view").exists()
    assert restrict(Agency.objects.all(), agency_admin, "view").exists()
    monkeypatch.delitem(access.HOLDINGS, "agencies.agency")
    assert not restrict(Agency.objects.all(), agency_admin, "view").exists()


def test_restrict_knows_four_actions(investigator):
    with pytest.raises(ValueError, match="Unknown action"):
        restrict(Agency.objects.all(), investigator, "publish")
    assert "restrict() knows view, add, change and delete" in UNKNOWN_ACTION


class _ActionsAdmin(RestrictedAdmin):
    actions = ["names_change", "names_view", "names_none"]

    @admin.action(permissions=["change"])
    def names_change(self, request, queryset):
        pass

    @admin.action(permissions=["view"])
    def names_view(self, request, queryset):
        pass

    def names_none(self, request, queryset):
        pass


def test_an_admin_action_that_names_no_write_permission_is_a_superusers_only(make_user):
    """Actions write: one that names no permission, or only view, is offered to nobody but a superuser."""
    clerk = make_user(Role.RECORDS_CLERK, username="pv-clerk")  # holds view_agency and change_agency
    superuser = make_user(None, agency=None, trained=False, username="operator", is_superuser=True, is_staff=True)
    model_admin = _ActionsAdmin(Agency, admin.site)

    def offered(user):
        request = RequestFactory().get("/admin/agencies/agency/")
        request.user = user
        return set(model_admin.get_actions(request)) - {"delete_selected"}

    assert offered(clerk) == {"names_change"}
    assert offered(superuser) == {"names_change", "names_view", "names_none"}
