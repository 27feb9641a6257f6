"""Models of the reads app."""
