"""A strictly typed, drop-in implementation of the Starlette ASGI toolkit."""

__version__ = "1.10.0"
