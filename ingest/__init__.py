"""Ingesters: AWS inventory (live or snapshot) and logs, turned into graph nodes and edges."""
