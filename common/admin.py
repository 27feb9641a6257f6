"""Admin base classes: every ModelAdmin and inline goes through the one choke point, agencies.access.restrict.

As NetBox does for its views and forms, the base decides from `restrict(queryset, user, action)`:
- the changelist and every object page (view), the add, change and delete permissions, per object;
- the choices of every foreign-key and many-to-many field, of inlines too (`field_choices`), the options of
  related-field list filters, and the results of the autocomplete endpoint;
- the objects an admin action acts on (an action that names no permission, or only view, is refused, fail
  closed: actions write);
- after each save, that the saved object and every inline row saved with it are still ones the user may hold;
  otherwise the whole save is rolled back and refused (403).
A superuser passes every check. tests/sharing/test_authorization_matrix.py fails on a ModelAdmin or inline that
does not inherit these classes.
"""

from __future__ import annotations

import functools

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied

from agencies.access import (
    ACTIONS,
    ADD,
    CHANGE,
    DELETE,
    VIEW,
    field_choices,
    has_model_permission,
    holding_of,
    membership_of,
    restrict,
)

SAVED_OUT_OF_REACH = "The saved record would be one you may not hold; nothing was saved."
ACTION_REFUSED = "%(object)s: not yours to do this to; it was left unchanged."


def saved_out_of_reach(user, obj, action: str) -> bool:
    """True if `obj`, just saved, is not one of the rows `user` may `action` (the check after a save)."""
    return not restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def _field_owner(model, field):
    """The model whose permission-map entry decides `field`'s choices: `model` itself for its own fields, even
    where it is a proxy (whose fields Django lists under the concrete model, which the map may hold otherwise)."""
    return model if field.model is model._meta.concrete_model else field.model


class RestrictedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-field filter that offers only the objects the user could choose for that field."""

    def field_choices(self, field, request, model_admin):
        choices = field_choices(_field_owner(model_admin.model, field), field.name, request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            choices = choices.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in choices]


class RestrictedRelatedOnlyFieldListFilter(admin.RelatedOnlyFieldListFilter):
    """Related only (what the changelist shows), and among those only what the user could choose."""

    def field_choices(self, field, request, model_admin):
        allowed = {pk for pk, _ in RestrictedRelatedFieldListFilter.field_choices(self, field, request, model_admin)}
        return [(pk, label) for pk, label in super().field_choices(field, request, model_admin) if pk in allowed]


class RestrictedFormFieldsMixin:
    """Every relation's choices narrowed by agencies.access.field_choices; shared by admins and inlines."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs["queryset"] = self.choices_for(db_field, request, kwargs.get("queryset"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["queryset"] = self.choices_for(db_field, request, kwargs.get("queryset"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def choices_for(self, db_field, request, queryset=None):
        """The field's choices: what the choke point allows, narrowed further by `queryset` if a subclass gave one."""
        allowed = field_choices(_field_owner(self.model, db_field), db_field.name, request.user)
        return allowed if queryset is None else queryset.filter(pk__in=allowed.values("pk"))

    def _may(self, request, action: str, obj=None) -> bool:
        if obj is None or obj.pk is None:
            return has_model_permission(request.user, self.model, action)
        return restrict(self.model._default_manager.filter(pk=obj.pk), request.user, action).exists()


class RestrictedAdmin(RestrictedFormFieldsMixin, admin.ModelAdmin):
    """The base of every ModelAdmin: all permissions, choices, filters and actions through restrict()."""

    # Pages that show ALPR information (alerts with their read, recognition jobs with their images): a superuser
    # sees there only what their own agency holds, like anyone. Operators reach other agencies' ALPR data only
    # through the logged operator look-up (reads/operator_admin.py), never by browsing admin unlogged.
    holds_alpr_data = False

    def get_queryset(self, request):
        queryset = restrict(super().get_queryset(request), request.user, VIEW)
        if self.holds_alpr_data and request.user.is_superuser:
            holding, membership = holding_of(self.model), membership_of(request.user)
            if holding is None or holding.path is None or membership is None:
                return queryset.none()
            queryset = queryset.filter(**{holding.path: membership.agency_id})
        return queryset

    def has_view_permission(self, request, obj=None):
        return self._may(request, VIEW, obj) or self._may(request, CHANGE, obj)

    def has_add_permission(self, request):
        return self._may(request, ADD)

    def has_change_permission(self, request, obj=None):
        return self._may(request, CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, DELETE, obj)

    def get_list_filter(self, request):
        return [self._restricted_filter(spec) for spec in super().get_list_filter(request)]

    def _restricted_filter(self, spec):
        """A related field named in list_filter (by path, or with Django's related filters) offers only what the
        user could choose; other filters are kept as written."""
        if isinstance(spec, str):
            name, filter_class = spec, None
        elif isinstance(spec, tuple):
            name, filter_class = spec
        else:
            return spec
        field = get_fields_from_path(self.model, name)[-1]
        if not field.is_relation:
            return spec
        if filter_class is admin.RelatedOnlyFieldListFilter:
            return (name, RestrictedRelatedOnlyFieldListFilter)
        if filter_class in (None, admin.RelatedFieldListFilter):
            return (name, RestrictedRelatedFieldListFilter)
        return spec

    def get_actions(self, request):
        """Each action acts only on the selected rows the user may act on for the permissions it names; an action
        that names none, or only `view` (an action writes), is offered to superusers only."""
        actions = {}
        for name, (func, action_name, description) in super().get_actions(request).items():
            perms = tuple(getattr(func, "allowed_permissions", ()))
            unnamed = not perms or set(perms) == {VIEW} or any(perm not in ACTIONS for perm in perms)
            if not request.user.is_superuser and unnamed:
                continue
            actions[name] = (_restricted_action(func, perms), action_name, description)
        return actions

    def action_refused(self, request, obj) -> None:
        """Tell the user that a selected row was left out of an action (it is not theirs to act on)."""
        self.message_user(request, ACTION_REFUSED % {"object": obj}, messages.ERROR)

    def get_search_results(self, request, queryset, search_term):
        """The autocomplete endpoint searches this admin for another model's field: offer only that field's
        choices."""
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            queryset = queryset.filter(pk__in=_autocomplete_choices(self.admin_site, request).values("pk"))
        return super().get_search_results(request, queryset, search_term)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.check_saved(request, form.instance, formsets, change)

    def check_saved(self, request, obj, formsets, change) -> None:
        """After a save, inside the admin's transaction: the object and each inline row saved with it must still
        be ones the user may hold; else the exception rolls the whole save back."""
        if saved_out_of_reach(request.user, obj, CHANGE if change else ADD):
            raise PermissionDenied(SAVED_OUT_OF_REACH)
        for formset in formsets:
            for row in getattr(formset, "new_objects", []):
                if saved_out_of_reach(request.user, row, ADD):
                    raise PermissionDenied(SAVED_OUT_OF_REACH)
            for row, _ in getattr(formset, "changed_objects", []):
                if saved_out_of_reach(request.user, row, CHANGE):
                    raise PermissionDenied(SAVED_OUT_OF_REACH)


def _restricted_action(func, perms: tuple[str, ...]):
    @functools.wraps(func)
    def action(modeladmin, request, queryset):
        allowed = queryset
        for perm in perms:
            allowed = restrict(allowed, request.user, perm)
        for obj in queryset.exclude(pk__in=allowed.values("pk")):
            modeladmin.action_refused(request, obj)
        return func(modeladmin, request, queryset.filter(pk__in=allowed.values("pk")))

    return action


def _autocomplete_choices(site, request):
    """The choices of the field an autocomplete request is for: exactly those its form offers (the source model's
    admin narrows them), or the choke point's own if the source model has no admin."""
    try:
        model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        db_field = model._meta.get_field(request.GET["field_name"])
    except (KeyError, LookupError, ValueError, FieldDoesNotExist) as exc:
        raise PermissionDenied from exc
    source_admin = site._registry.get(model)
    if source_admin is None:
        return field_choices(model, db_field.name, request.user)
    formfield = source_admin.formfield_for_dbfield(db_field, request)
    if formfield is None or not hasattr(formfield, "queryset"):
        raise PermissionDenied
    return formfield.queryset


class RestrictedInlineMixin(RestrictedFormFieldsMixin):
    """The base of every inline: its rows, choices and permissions through restrict(), as for a ModelAdmin."""

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user, VIEW)

    def has_view_permission(self, request, obj=None):
        return self._may(request, VIEW) or self._may(request, CHANGE)

    def has_add_permission(self, request, obj=None):
        return self._may(request, ADD)

    def has_change_permission(self, request, obj=None):
        return self._may(request, CHANGE)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, DELETE)


class RestrictedTabularInline(RestrictedInlineMixin, admin.TabularInline):
    pass


class RestrictedStackedInline(RestrictedInlineMixin, admin.StackedInline):
    pass


def restrict_registered(site, model) -> None:
    """Put the choke point in front of a ModelAdmin another package registered (and of its inlines)."""
    current = type(site.get_model_admin(model))
    inlines = [type(inline.__name__, (RestrictedInlineMixin, inline), {}) for inline in current.inlines]
    site.unregister(model)
    site.register(model, type(current.__name__, (RestrictedAdmin, current), {"inlines": inlines}))
