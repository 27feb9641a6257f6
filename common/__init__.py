"""Pieces every app shares: the API base classes and the one ALPR-data permission choke point."""
