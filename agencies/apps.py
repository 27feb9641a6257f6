from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and people"

    def ready(self) -> None:
        # After every migrate, once all apps' permissions exist (see roles.py).
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="agencies.sync_role_groups")
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from .signin import receivers

        user_login_failed.connect(receivers.on_login_failed, dispatch_uid="agencies.signin.login_failed")
        user_logged_in.connect(receivers.on_logged_in, dispatch_uid="agencies.signin.logged_in")


def _sync_roles(sender, using="default", **kwargs):
    from django.apps import apps

    from .roles import sync_role_groups

    sync_role_groups(apps=apps, using=using)
