from django.apps import AppConfig


class ReadsConfig(AppConfig):
    name = "reads"
    verbose_name = "Cameras and plate reads"

    def ready(self) -> None:
        from common.health import register_check

        from . import lookups  # noqa: F401 - registers the __like lookup
        from .files import READS_ROOT
        from .retention import orphan_references_register, reads_referencing

        orphan_references_register(READS_ROOT, reads_referencing)

        from .partitions import partition_health

        register_check("read_partition_tomorrow", partition_health)
