from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx2 as httpx
import jinja2
import pytest

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import Message, Scope
from tests.utils import TestClientFactory


def debug_info(response: httpx.Response) -> tuple[jinja2.Template, dict[str, Any]]:
    """The template and context the test client attached to `response`."""
    attributes = vars(response)
    return attributes["template"], attributes["context"]


@pytest.fixture
def template_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "templates"
    directory.mkdir()
    (directory / "index.html").write_text("<html>Hello, <a href='{{ url_for('homepage') }}'>{{ name }}</a></html>")
    (directory / "plain.txt").write_text("Hello, {{ name }}")
    return directory


def app_for(templates: Jinja2Templates, name: str = "index.html", **context: Any) -> Starlette:
    async def homepage(request: Request) -> Response:
        return templates.TemplateResponse(request, name, {"name": "world", **context})

    return Starlette(routes=[Route("/", endpoint=homepage)])


def test_template_response(template_dir: Path, test_client_factory: TestClientFactory) -> None:
    templates = Jinja2Templates(directory=str(template_dir))
    response = test_client_factory(app_for(templates)).get("/")
    assert response.status_code == 200
    assert response.text == "<html>Hello, <a href='http://testserver/'>world</a></html>"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    template, context = debug_info(response)
    assert template.name == "index.html"
    assert set(context) == {"request", "name"}
    assert isinstance(context["request"], Request)


def test_sync_endpoint_and_response_options(template_dir: Path, test_client_factory: TestClientFactory) -> None:
    templates = Jinja2Templates(directory=template_dir)
    ran: list[str] = []

    def page(request: Request) -> Response:
        return templates.TemplateResponse(
            request,
            "plain.txt",
            context={"name": "you"},
            status_code=201,
            headers={"x-template": "yes"},
            media_type="text/plain",
            background=BackgroundTask(ran.append, "done"),
        )

    response = test_client_factory(Starlette(routes=[Route("/", endpoint=page)])).get("/")
    assert response.status_code == 201
    assert response.text == "Hello, you"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["x-template"] == "yes"
    assert ran == ["done"]


def test_autoescape(template_dir: Path, test_client_factory: TestClientFactory) -> None:
    for suffix in ("html", "htm", "xml", "txt"):
        (template_dir / f"xss.{suffix}").write_text("{{ name }}")
    templates = Jinja2Templates(directory=template_dir)
    script = "<script>alert('XSS')</script>"

    async def page(request: Request) -> Response:
        name = request.path_params["template"]
        return templates.TemplateResponse(request, name, {"name": script})

    client = test_client_factory(Starlette(routes=[Route("/{template}", endpoint=page)]))
    for suffix in ("html", "htm", "xml"):
        assert client.get(f"/xss.{suffix}").text == "&lt;script&gt;alert(&#39;XSS&#39;)&lt;/script&gt;"
    assert client.get("/xss.txt").text == script


def test_url_for_static_files(tmp_path: Path, test_client_factory: TestClientFactory) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("{{ url_for('static', path='/css/site.css') }}")
    templates = Jinja2Templates(directory=tmp_path / "templates")

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "page.html")

    app = Starlette(
        routes=[
            Route("/", endpoint=page),
            Mount("/static", app=StaticFiles(directory=tmp_path / "static"), name="static"),
        ]
    )
    assert test_client_factory(app).get("/").text == "http://testserver/static/css/site.css"


def test_several_directories_in_order(tmp_path: Path, test_client_factory: TestClientFactory) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "index.html").write_text("first index")
    (second / "index.html").write_text("second index")
    (second / "other.html").write_text("second other")
    templates = Jinja2Templates(directory=[first, str(second)])
    client = test_client_factory(app_for(templates))
    assert client.get("/").text == "first index"
    client = test_client_factory(app_for(templates, name="other.html"))
    assert client.get("/").text == "second other"


def test_custom_environment(test_client_factory: TestClientFactory) -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"index.html": "{{ url_for('homepage') }} {{ name }}"}))
    templates = Jinja2Templates(env=env)
    assert templates.env is env
    assert "url_for" in env.globals
    assert test_client_factory(app_for(templates)).get("/").text == "http://testserver/ world"


def test_custom_environment_keeps_its_own_url_for(test_client_factory: TestClientFactory) -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"index.html": "{{ url_for('x') }}"}))

    def custom_url_for(name: str) -> str:
        return f"custom:{name}"

    template_globals: dict[str, Any] = env.globals
    template_globals["url_for"] = custom_url_for
    templates = Jinja2Templates(env=env)
    assert test_client_factory(app_for(templates)).get("/").text == "custom:x"


def test_filters_can_be_added(template_dir: Path, test_client_factory: TestClientFactory) -> None:
    (template_dir / "shout.html").write_text("{{ name | shout }}")
    templates = Jinja2Templates(directory=template_dir)
    templates.env.filters["shout"] = lambda text: str(text).upper() + "!"
    assert test_client_factory(app_for(templates, name="shout.html")).get("/").text == "WORLD!"


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"directory": ""},
        {"directory": []},
        {"directory": "templates", "env": jinja2.Environment()},
    ],
)
def test_exactly_one_of_directory_and_env(kwargs: dict[str, Any]) -> None:
    with pytest.raises(AssertionError) as exc_info:
        Jinja2Templates(**kwargs)
    assert str(exc_info.value) == "either 'directory' or 'env' arguments must be passed"


def test_context_processors(template_dir: Path, test_client_factory: TestClientFactory) -> None:
    (template_dir / "ctx.html").write_text("{{ name }} {{ user }} {{ path }}")
    seen: list[Request] = []

    def user_processor(request: Request) -> dict[str, Any]:
        seen.append(request)
        return {"user": "alice", "name": "from processor"}

    def path_processor(request: Request) -> dict[str, Any]:
        return {"path": request.url.path}

    templates = Jinja2Templates(directory=template_dir, context_processors=[user_processor, path_processor])
    assert templates.context_processors == [user_processor, path_processor]
    response = test_client_factory(app_for(templates, name="ctx.html")).get("/")
    assert response.text == "from processor alice /"
    _, context = debug_info(response)
    assert set(context) == {"request", "name", "user", "path"}
    assert seen == [context["request"]]


def test_context_is_copied_and_may_bring_its_own_request(
    template_dir: Path, test_client_factory: TestClientFactory
) -> None:
    (template_dir / "req.html").write_text("{{ request }}")
    templates = Jinja2Templates(directory=template_dir)
    given: dict[str, Any] = {"request": "my request"}

    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, "req.html", given)

    response = test_client_factory(Starlette(routes=[Route("/", endpoint=page)])).get("/")
    assert response.text == "my request"
    assert given == {"request": "my request"}

    no_context: dict[str, Any] = {}

    async def other(request: Request) -> Response:
        return templates.TemplateResponse(request, "plain.txt", no_context)

    test_client_factory(Starlette(routes=[Route("/", endpoint=other)])).get("/")
    assert no_context == {}


def test_get_template(template_dir: Path) -> None:
    templates = Jinja2Templates(directory=template_dir)
    assert templates.get_template("plain.txt").render(name="x") == "Hello, x"
    with pytest.raises(jinja2.TemplateNotFound):
        templates.get_template("missing.html")


def test_missing_template_is_a_server_error(template_dir: Path, test_client_factory: TestClientFactory) -> None:
    templates = Jinja2Templates(directory=template_dir)
    client = test_client_factory(app_for(templates, name="missing.html"), raise_server_exceptions=False)
    response = client.get("/")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"


def test_template_through_base_http_middleware(template_dir: Path, test_client_factory: TestClientFactory) -> None:
    async def passthrough(request: Request, call_next: RequestResponseEndpoint) -> Response:
        return await call_next(request)

    templates = Jinja2Templates(directory=template_dir)
    app = app_for(templates)
    app.add_middleware(BaseHTTPMiddleware, dispatch=passthrough)
    response = test_client_factory(app).get("/")
    assert response.text == "<html>Hello, <a href='http://testserver/'>world</a></html>"
    template, context = debug_info(response)
    assert template.name == "index.html"
    assert set(context) == {"request", "name"}


def test_middleware_list(template_dir: Path, test_client_factory: TestClientFactory) -> None:
    async def passthrough(request: Request, call_next: RequestResponseEndpoint) -> Response:
        return await call_next(request)

    templates = Jinja2Templates(directory=template_dir)

    async def homepage(request: Request) -> Response:
        return templates.TemplateResponse(request, "plain.txt", {"name": "mw"})

    app = Starlette(
        routes=[Route("/", endpoint=homepage)], middleware=[Middleware(BaseHTTPMiddleware, dispatch=passthrough)]
    )
    assert test_client_factory(app).get("/").text == "Hello, mw"


@pytest.mark.anyio
@pytest.mark.parametrize("extensions", [None, {}, {"other": {}}, {"http.response.debug": {}}])
async def test_debug_message_only_when_offered(template_dir: Path, extensions: dict[str, Any] | None) -> None:
    templates = Jinja2Templates(directory=template_dir)
    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    if extensions is not None:
        scope["extensions"] = extensions
    response = templates.TemplateResponse(Request(scope), "plain.txt", {"name": "raw"})
    assert response.template.name == "plain.txt"
    assert response.context["name"] == "raw"
    sent: list[Message] = []

    async def receive() -> Message:
        await anyio.sleep_forever()  # pragma: no cover
        raise AssertionError  # pragma: no cover

    async def send(message: Message) -> None:
        sent.append(message)

    await response(scope, receive, send)
    types = [message["type"] for message in sent]
    if extensions is not None and "http.response.debug" in extensions:
        assert types == ["http.response.debug", "http.response.start", "http.response.body"]
        assert sent[0]["info"] == {"template": response.template, "context": response.context}
    else:
        assert types == ["http.response.start", "http.response.body"]
    assert sent[-1]["body"] == b"Hello, raw"


def test_missing_jinja2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    monkeypatch.delitem(sys.modules, "starlette.templating")
    with pytest.raises(ImportError) as exc_info:
        importlib.import_module("starlette.templating")
    assert str(exc_info.value) == "jinja2 must be installed to use Jinja2Templates"
    assert isinstance(exc_info.value.__cause__, ModuleNotFoundError)
