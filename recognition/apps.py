from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "recognition"
    verbose_name = "Image recognition"

    def ready(self) -> None:
        # The reads purge takes an upload with its last read (recognition/retention.py).
        from reads.retention import orphan_references_register, purge_hooks_register

        from .retention import UPLOADS_ROOT, uploads_purge_expired, uploads_referencing

        purge_hooks_register(after_reads=uploads_purge_expired)
        orphan_references_register(UPLOADS_ROOT, uploads_referencing)
