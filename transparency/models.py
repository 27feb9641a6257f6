"""Models of the transparency app."""
