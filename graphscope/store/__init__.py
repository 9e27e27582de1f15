"""Graph stores: the boundary queries talk to, and its implementations."""

from graphscope.store.base import GraphStore
from graphscope.store.memory import MemoryGraphStore

__all__ = ["GraphStore", "MemoryGraphStore"]
