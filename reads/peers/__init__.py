"""Parsers of other products' plate-read messages (one module per peer), each returning PeerRead objects."""
