"""Render Jinja2 templates into HTML responses.

`Jinja2Templates(directory="templates")` loads templates from a directory
(autoescaping `.html`, `.htm` and `.xml` templates), or wraps a ready
`jinja2.Environment`. Every environment gets a `url_for(name, **path_params)`
global that builds absolute URLs from the `request` in the template context.

Importing this module requires `jinja2` (the `full` extra).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias, Union, overload

try:
    import jinja2
    from jinja2 import pass_context as pass_context  # re-exported, as upstream does
except ModuleNotFoundError as _missing:
    raise ImportError("jinja2 must be installed to use Jinja2Templates") from _missing

from starlette.background import BackgroundTask
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

__all__ = ["ContextProcessor", "Jinja2Templates"]

ContextProcessor: TypeAlias = Callable[[Request[Any]], Mapping[str, Any]]
"""A function returning extra template variables for a request."""

_TemplateDirectory: TypeAlias = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]


class _TemplateResponse(HTMLResponse):
    """The HTML response `Jinja2Templates.TemplateResponse` renders.

    When the server offers the `http.response.debug` extension (as the test
    client does) the template and its context are reported to it, so tests can
    inspect `response.template` and `response.context`.
    """

    template: jinja2.Template
    """The rendered template."""
    context: dict[str, Any]
    """The variables the template was rendered with."""

    def __init__(
        self,
        template: jinja2.Template,
        context: dict[str, Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.template = template
        self.context = context
        super().__init__(template.render(context), status_code, headers, media_type, background)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Report the template and context to a debugging server, then send the response."""
        extensions: Mapping[str, Any] = scope.get("extensions") or {}
        if "http.response.debug" in extensions:
            await send({"type": "http.response.debug", "info": {"template": self.template, "context": self.context}})
        await super().__call__(scope, receive, send)


@jinja2.pass_context
def _url_for(context: jinja2.runtime.Context, name: str, /, **path_params: Any) -> URL:
    """The `url_for` template global: the absolute URL of a route, for the context's `request`."""
    request: Request[Any] = context["request"]
    return request.url_for(name, **path_params)


class Jinja2Templates:
    """Jinja2 templates, rendered into `HTMLResponse`s.

    Args:
        directory: the directory, or directories searched in order, to load
            templates from. Autoescaping is on for `.html`, `.htm` and `.xml`
            templates.
        context_processors: functions called with the request for every
            rendered template; the mappings they return are merged into the context.
        env: a configured `jinja2.Environment` to use instead of `directory`.

    Raises:
        AssertionError: unless exactly one of `directory` and `env` is given.
    """

    context_processors: list[ContextProcessor]
    """The context processors, in the order they run."""
    env: jinja2.Environment
    """The Jinja2 environment; add filters and globals to it."""

    @overload
    def __init__(
        self,
        directory: _TemplateDirectory,
        *,
        context_processors: list[ContextProcessor] | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        directory: None = None,
        *,
        context_processors: list[ContextProcessor] | None = None,
        env: jinja2.Environment,
    ) -> None: ...

    def __init__(
        self,
        directory: _TemplateDirectory | None = None,
        *,
        context_processors: list[ContextProcessor] | None = None,
        env: jinja2.Environment | None = None,
    ) -> None:
        if env is not None and not directory:
            self.env = env
        elif directory and env is None:
            loader = jinja2.FileSystemLoader(directory)
            self.env = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape())
        else:
            raise AssertionError("either 'directory' or 'env' arguments must be passed")
        self.context_processors = [] if context_processors is None else context_processors
        # Jinja's stubs type `globals` as the default namespace's value types only.
        template_globals: dict[str, Any] = self.env.globals
        template_globals.setdefault("url_for", _url_for)

    def get_template(self, name: str) -> jinja2.Template:
        """Load the template called `name`.

        Raises:
            jinja2.TemplateNotFound: if there is no such template.
        """
        return self.env.get_template(name)

    def TemplateResponse(
        self,
        request: Request[Any],
        name: str,
        context: Mapping[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> _TemplateResponse:
        """Render the template `name` into an HTML response.

        The template sees `context` (copied, not modified), `request` (unless
        `context` has its own) and the variables of every context processor,
        which take precedence.

        Raises:
            jinja2.TemplateNotFound: if there is no such template.
        """
        merged: dict[str, Any] = {} if context is None else dict(context)
        merged.setdefault("request", request)
        for processor in self.context_processors:
            merged.update(processor(request))
        template = self.get_template(name)
        return _TemplateResponse(template, merged, status_code, headers, media_type, background)
