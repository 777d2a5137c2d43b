"""backlog-mcp: a Model Context Protocol server for Nulab Backlog."""

__version__ = "0.1.0"
__all__ = ["__version__"]
