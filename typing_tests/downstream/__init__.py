"""Typical user code, written as against upstream Starlette; `scripts/downstream_typing.py` checks it with both."""
