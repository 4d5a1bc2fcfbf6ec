from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from typing_extensions import assert_type

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import ContextProcessor, Jinja2Templates

# --- Jinja2Templates -----------------------------------------------------------------------------


def app_context(request: Request) -> dict[str, Any]:
    return {"app": request.app}


def version_context(request: Request[Any]) -> dict[str, str]:
    return {"version": "1.0"}


templates = Jinja2Templates(directory="templates")
Jinja2Templates(directory=Path("templates"))
Jinja2Templates(directory=["templates", Path("more_templates")])
Jinja2Templates(directory="templates", context_processors=[app_context, version_context])
Jinja2Templates(env=jinja2.Environment(loader=jinja2.FileSystemLoader("templates")))

assert_type(templates.env, jinja2.Environment)
assert_type(templates.context_processors, list[ContextProcessor])
templates.context_processors.append(app_context)
templates.env.filters["shout"] = str.upper
assert_type(templates.get_template("index.html"), jinja2.Template)


def send_html(response: HTMLResponse) -> None: ...


async def homepage(request: Request) -> Response:
    response = templates.TemplateResponse(request, "index.html", {"user": "tom"})
    assert_type(response.template, jinja2.Template)
    assert_type(response.context, dict[str, Any])
    send_html(response)
    return templates.TemplateResponse(
        request,
        "index.html",
        context={"user": "tom"},
        status_code=404,
        headers={"x-page": "home"},
        media_type="text/html",
        background=BackgroundTask(print, "rendered"),
    )


def negative_cases(request: Request) -> None:
    templates.TemplateResponse("index.html", {"request": request})  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    templates.TemplateResponse(request, "index.html", ["user"])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    templates.TemplateResponse(request, "index.html", status_code="200")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
    templates.get_template(Path("index.html"))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


Jinja2Templates(directory=b"templates")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Jinja2Templates("templates", [app_context])  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]  # ty: ignore[no-matching-overload]
Jinja2Templates(env={"loader": None})  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Jinja2Templates()  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]  # ty: ignore[no-matching-overload]
Jinja2Templates(directory="templates", env=jinja2.Environment())  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Jinja2Templates(directory=None, context_processors=[app_context])  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
Jinja2Templates(env=None)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]


async def async_context(request: Request) -> dict[str, Any]:
    return {}


Jinja2Templates(directory="templates", context_processors=[async_context])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]  # ty: ignore[invalid-argument-type]
templates.env = None  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]  # ty: ignore[invalid-assignment]
