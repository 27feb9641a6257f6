from django.apps import AppConfig


class ReadsConfig(AppConfig):
    name = "reads"
    verbose_name = "Cameras and plate reads"

    def ready(self) -> None:
        from . import lookups  # noqa: F401 - registers the __like lookup
