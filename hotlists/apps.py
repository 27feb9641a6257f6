from django.apps import AppConfig


class HotlistsConfig(AppConfig):
    name = "hotlists"
    verbose_name = "Hotlists and alerts"

    def ready(self) -> None:
        # Reads sits below hotlists and imports none of it: its ingest calls the matcher registered here.
        from reads.hooks import register_ingest_matcher

        from .matching import match_ingested_reads

        register_ingest_matcher(match_ingested_reads)
