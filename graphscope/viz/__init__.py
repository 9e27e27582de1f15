"""Interactive, self-contained graph views (pyvis) of scope, who-can and path results."""
