"""The FastAPI scoping service: `create_app(workspace, settings)`, run by `graphscope serve`."""

from graphscope.api.app import create_app
from graphscope.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
