"""Twelve-factor configuration: settings from the environment and an optional `.env` file.

A value is looked up in the environment first, then in the `.env` file, then
falls back to the default given at the call site::

    config = Config(".env")
    DEBUG = config("DEBUG", cast=bool, default=False)
    DATABASE_URL = config("DATABASE_URL")

The `.env` file holds one `KEY=value` per line. Surrounding whitespace is
ignored, as are blank lines, lines starting with `#` and lines without `=`.
One pair of matching quotes (`"..."` or `'...'`) around the value is removed;
everything else, including a trailing `# text`, is part of the value.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any, TypeVar, overload

__all__ = ["Config", "Environ", "EnvironError", "environ", "undefined"]

T = TypeVar("T")
D = TypeVar("D")

_BOOLEANS: dict[str, bool] = {"true": True, "1": True, "false": False, "0": False}


def _unquote(value: str) -> str:
    """Remove one pair of matching quotes around a `.env` value; other quotes are part of it."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


class undefined:
    """Marks a config key that has no default: `config(key)` raises `KeyError` when the key is missing."""


class EnvironError(Exception):
    """Raised when setting or deleting an environment variable that was already read."""


class Environ(MutableMapping[str, str]):
    """A mapping over the process environment that refuses late changes.

    Once a key has been read (including a lookup of a missing key, e.g. with
    `in`), setting or deleting it raises `EnvironError`: configuration computed
    from the old value would silently be stale.

    Args:
        environ: The mapping to wrap; defaults to `os.environ`.
    """

    def __init__(self, environ: MutableMapping[str, str] = os.environ) -> None:
        self._environ = environ
        self._has_been_read: set[str] = set()

    def __getitem__(self, key: str) -> str:
        """Return the value of `key` and remember that it was read.

        Raises:
            KeyError: If the variable is not set.
        """
        self._has_been_read.add(key)
        return self._environ[key]

    def __setitem__(self, key: str, value: str) -> None:
        """Set the variable `key`.

        Raises:
            EnvironError: If `key` has already been read.
        """
        if key in self._has_been_read:
            raise EnvironError(f"Attempting to set environ['{key}'], but the value has already been read.")
        self._environ[key] = value

    def __delitem__(self, key: str) -> None:
        """Unset the variable `key`.

        Raises:
            EnvironError: If `key` has already been read.
            KeyError: If the variable is not set.
        """
        if key in self._has_been_read:
            raise EnvironError(f"Attempting to delete environ['{key}'], but the value has already been read.")
        del self._environ[key]

    def __iter__(self) -> Iterator[str]:
        """Iterate over the variable names (does not count as reading them)."""
        return iter(self._environ)

    def __len__(self) -> int:
        """Return the number of variables."""
        return len(self._environ)


environ: Environ = Environ()
"""The process environment, guarded against changes after a key has been read by a `Config`."""


class Config:
    """Reads settings from the environment, then an optional `.env` file, then call-site defaults.

    Args:
        env_file: Path of a `.env` file. A missing file only emits a `UserWarning`.
        environ: The environment mapping to read first; defaults to the module's `environ`.
        env_prefix: Prepended to every key looked up (in the environment and the file).
        encoding: Encoding of `env_file`.
    """

    def __init__(
        self,
        env_file: str | Path | None = None,
        environ: Mapping[str, str] = environ,
        env_prefix: str = "",
        encoding: str = "utf-8",
    ) -> None:
        self.environ: Mapping[str, str] = environ
        self.env_prefix: str = env_prefix
        self.file_values: dict[str, str] = {}
        if env_file is not None:
            if os.path.isfile(env_file):
                self.file_values = self._read_file(env_file, encoding)
            else:
                warnings.warn(f"Config file '{env_file}' not found.", stacklevel=1)  # this module, as upstream

    @overload
    def __call__(self, key: str, cast: None = None, default: type[undefined] = undefined) -> str: ...

    @overload
    def __call__(self, key: str, cast: None = None, *, default: D) -> str | D: ...

    @overload
    def __call__(self, key: str, cast: None, default: D) -> str | D: ...

    @overload
    def __call__(self, key: str, cast: Callable[[str], T], default: type[undefined] = undefined) -> T: ...

    @overload
    def __call__(self, key: str, cast: Callable[[str], T], default: None) -> T | None: ...

    @overload
    def __call__(self, key: str, cast: Callable[[str], T], default: T | str) -> T: ...

    def __call__(self, key: str, cast: Callable[[Any], object] | None = None, default: object = undefined) -> object:
        """Return the setting `key`; same as `get`."""
        return self.get(key, cast, default)

    @overload
    def get(self, key: str, cast: None = None, default: type[undefined] = undefined) -> str: ...

    @overload
    def get(self, key: str, cast: None = None, *, default: D) -> str | D: ...

    @overload
    def get(self, key: str, cast: None, default: D) -> str | D: ...

    @overload
    def get(self, key: str, cast: Callable[[str], T], default: type[undefined] = undefined) -> T: ...

    @overload
    def get(self, key: str, cast: Callable[[str], T], default: None) -> T | None: ...

    @overload
    def get(self, key: str, cast: Callable[[str], T], default: T | str) -> T: ...

    def get(self, key: str, cast: Callable[[Any], object] | None = None, default: object = undefined) -> object:
        """Return the setting `key` (prefixed with `env_prefix`), optionally converted by `cast`.

        A found value, or else the default, is passed through `cast`; a `None`
        default is returned as is. With `cast=bool`, text values must be `true`,
        `false`, `1` or `0` (any case).

        Raises:
            KeyError: If the key is not set anywhere and there is no default.
            ValueError: If `cast` rejects the value (with a message naming the key).
        """
        key = self.env_prefix + key
        if key in self.environ:
            return self._perform_cast(key, self.environ[key], cast)
        if key in self.file_values:
            return self._perform_cast(key, self.file_values[key], cast)
        if default is not undefined:
            return self._perform_cast(key, default, cast)
        raise KeyError(f"Config '{key}' is missing, and has no default.")

    def _read_file(self, file_name: str | Path, encoding: str) -> dict[str, str]:
        file_values: dict[str, str] = {}
        with open(file_name, encoding=encoding) as input_file:
            for raw_line in input_file:
                line = raw_line.strip()
                if "=" in line and not line.startswith("#"):
                    key, value = line.split("=", 1)
                    file_values[key.strip()] = _unquote(value.strip())
        return file_values

    def _perform_cast(self, key: str, value: object, cast: Callable[[Any], object] | None) -> object:
        if cast is None or value is None:
            return value
        if cast is bool and isinstance(value, str):
            lowered = value.lower()
            if lowered not in _BOOLEANS:
                raise ValueError(f"Config '{key}' has value '{lowered}'. Not a valid bool.")
            return _BOOLEANS[lowered]
        try:
            return cast(value)
        except (TypeError, ValueError) as exc:
            cast_name = getattr(cast, "__name__", repr(cast))
            raise ValueError(f"Config '{key}' has value '{value}'. Not a valid {cast_name}.") from exc
