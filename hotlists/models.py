"""Models of the hotlists app."""
