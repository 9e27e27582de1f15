"""The FastAPI scoping service."""
