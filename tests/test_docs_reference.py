"""Every public module of `starlette` has its page in the API reference, and the page is in the site's navigation."""

from __future__ import annotations

import pkgutil
from pathlib import Path
from typing import Any, cast

import yaml

import starlette

REPO = Path(__file__).resolve().parent.parent
API_PAGES = REPO / "docs" / "api"


def public_modules() -> list[str]:
    """The dotted names of `starlette` and of every module under it with no private part."""
    walked = pkgutil.walk_packages(starlette.__path__, "starlette.")
    names = [info.name for info in walked if not any(part.startswith("_") for part in info.name.split("."))]
    return ["starlette", *names]


def nav_pages(entry: Any) -> set[str]:
    """The Markdown files a `nav` entry of mkdocs.yml (or a list or section of entries) links to."""
    if isinstance(entry, str):
        return {entry}
    values = cast("dict[str, Any]", entry).values() if isinstance(entry, dict) else cast("list[Any]", entry)
    found: set[str] = set()
    for value in values:
        found |= nav_pages(value)
    return found


def api_page(module: str) -> str:
    """The API reference page of `module`, relative to docs/."""
    return "api/index.md" if module == "starlette" else f"api/{module}.md"


def test_every_public_module_has_an_api_page() -> None:
    missing = [
        module
        for module in public_modules()
        if not (REPO / "docs" / api_page(module)).is_file()
        or f"::: {module}\n" not in (REPO / "docs" / api_page(module)).read_text(encoding="utf-8")
    ]
    assert missing == []


def test_every_api_page_is_in_the_navigation_and_documents_a_module() -> None:
    config: dict[str, Any] = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = {f"api/{path.name}" for path in API_PAGES.glob("*.md")}
    assert pages == {api_page(module) for module in public_modules()}
    assert pages <= nav_pages(config["nav"])


def test_the_walk_finds_the_package_layout() -> None:
    modules = public_modules()
    assert {"starlette.routing", "starlette.middleware", "starlette.middleware.cors"} <= set(modules)
    assert not [module for module in modules if "._" in module]
