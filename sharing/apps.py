from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Data sharing (MOUs)"

    def ready(self) -> None:
        # Agencies sits below sharing and imports none of it: it asks through these hooks.
        from agencies.access import register_sharing_lookup
        from agencies.services import on_membership_change

        from .selectors import owner_ids_sharing_with
        from .services import sharing_sync_agency_group

        register_sharing_lookup(owner_ids_sharing_with)
        on_membership_change(sharing_sync_agency_group)
