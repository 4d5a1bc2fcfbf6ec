"""The parameter types of `httpx.Client` the test client repeats: for type checkers only.

`httpx` and `httpx2` define these in their private `_types` module, outside
`__all__`, so `_httpx.pyi` cannot choose between them: they are spelled here
from the public classes `_httpx` chose. The gate holds them equal to the
installed `httpx2`'s, as `TestClient.request` overrides `httpx2.Client.request`
and passes them on to it.

`UseClientDefault` cannot be spelled from public names: it comes from `httpx2`
alone, so with only `httpx` installed it is unknown to pyright and ty and `Any`
to mypy (`docs/testing.md` says what that leaves untyped).

Nothing imports this module at run time; it has no source counterpart.
"""

from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from http.cookiejar import CookieJar
from typing import IO, Any, TypeAlias

from httpx2._client import UseClientDefault as UseClientDefault

from starlette._httpx import Auth, Cookies, Headers, QueryParams, Request, Timeout

_Primitive: TypeAlias = str | int | float | bool | None
_FileContent: TypeAlias = IO[bytes] | bytes | str
_File: TypeAlias = (
    _FileContent
    | tuple[str | None, _FileContent]
    | tuple[str | None, _FileContent, str | None]
    | tuple[str | None, _FileContent, str | None, Mapping[str, str]]
)

AuthTypes: TypeAlias = tuple[str | bytes, str | bytes] | Callable[[Request], Request] | Auth
CookieTypes: TypeAlias = Cookies | CookieJar | dict[str, str] | list[tuple[str, str]]
HeaderTypes: TypeAlias = (
    Headers | Mapping[str, str] | Mapping[bytes, bytes] | Sequence[tuple[str, str]] | Sequence[tuple[bytes, bytes]]
)
QueryParamTypes: TypeAlias = (
    QueryParams
    | Mapping[str, _Primitive | Sequence[_Primitive]]
    | list[tuple[str, _Primitive]]
    | tuple[tuple[str, _Primitive], ...]
    | str
    | bytes
)
RequestContent: TypeAlias = str | bytes | Iterable[bytes] | AsyncIterable[bytes]
RequestData: TypeAlias = Mapping[str, Any]
RequestExtensions: TypeAlias = Mapping[str, Any]
RequestFiles: TypeAlias = Mapping[str, _File] | Sequence[tuple[str, _File]]
TimeoutTypes: TypeAlias = float | tuple[float | None, float | None, float | None, float | None] | Timeout | None
