"""Console views, one module per area. Each view is wrapped in `console.access.console_view`."""
