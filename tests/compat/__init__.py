"""Compatibility tests: real FastAPI applications running on this package."""

from __future__ import annotations

from typing import Literal, TypeAlias

Backend: TypeAlias = Literal["asyncio", "trio"]
"""The anyio backends the test client can run an application on."""
