from __future__ import annotations

import os
from pathlib import Path

import pytest

from starlette import config as config_module
from starlette.config import Config, Environ, EnvironError, environ, undefined


def write_env(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding=encoding)
    return path


# --- reading the .env file -----------------------------------------------------------------


def test_env_file_syntax(tmp_path: Path) -> None:
    path = write_env(
        tmp_path,
        "# a comment\n"
        "\n"
        "DATABASE_URL=postgres://user:pass@localhost/db\n"
        "  SPACED  =  value with spaces  \n"
        'DOUBLE="quoted"\n'
        "SINGLE='quoted'\n"
        "EQUALS=a=b=c\n"
        "EMPTY=\n"
        "INLINE=value # not a comment\n"
        "   # indented comment=ignored\n"
        "NO_EQUALS_SIGN\n"
        "LAST=no newline",
    )
    config = Config(path, environ={})
    assert config.file_values == {
        "DATABASE_URL": "postgres://user:pass@localhost/db",
        "SPACED": "value with spaces",
        "DOUBLE": "quoted",
        "SINGLE": "quoted",
        "EQUALS": "a=b=c",
        "EMPTY": "",
        "INLINE": "value # not a comment",
        "LAST": "no newline",
    }


def test_env_file_later_lines_win(tmp_path: Path) -> None:
    config = Config(write_env(tmp_path, "KEY=first\nKEY=second\n"), environ={})
    assert config("KEY") == "second"


def test_env_file_strips_one_pair_of_matching_quotes(tmp_path: Path) -> None:
    text = 'A="it\'s"\nB=\'say "hi"\'\nC="\'"\nD="\nE="x\'\nF=\'\'\nG=""""\n'
    config = Config(write_env(tmp_path, text), environ={})
    assert config.file_values == {"A": "it's", "B": 'say "hi"', "C": "'", "D": '"', "E": "\"x'", "F": "", "G": '""'}


def test_env_file_accepts_str_path(tmp_path: Path) -> None:
    config = Config(str(write_env(tmp_path, "KEY=value\n")), environ={})
    assert config("KEY") == "value"


def test_env_file_encoding(tmp_path: Path) -> None:
    path = write_env(tmp_path, "NAME=café\n", encoding="latin-1")
    assert Config(path, environ={}, encoding="latin-1")("NAME") == "café"
    with pytest.raises(UnicodeDecodeError):
        Config(path, environ={})


def test_env_file_windows_line_endings(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"A=1\r\nB=2\r\n")
    assert Config(path, environ={}).file_values == {"A": "1", "B": "2"}


def test_missing_env_file_warns(tmp_path: Path) -> None:
    missing = tmp_path / "missing.env"
    with pytest.warns(UserWarning, match=f"^Config file '{missing}' not found.$") as record:
        config = Config(missing, environ={})
    assert config.file_values == {}
    assert record[0].filename == config_module.__file__  # attributed to the module, as upstream


def test_directory_as_env_file_warns(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="not found"):
        Config(tmp_path, environ={})


def test_no_env_file() -> None:
    config = Config(environ={"A": "1"})
    assert config.file_values == {}
    assert config.environ == {"A": "1"}
    assert config.env_prefix == ""


# --- lookup and precedence -----------------------------------------------------------------


def test_precedence_environment_then_file_then_default(tmp_path: Path) -> None:
    path = write_env(tmp_path, "BOTH=from-file\nFILE_ONLY=from-file\n")
    config = Config(path, environ={"BOTH": "from-env", "ENV_ONLY": "from-env"})
    assert config("BOTH", default="default") == "from-env"
    assert config("ENV_ONLY") == "from-env"
    assert config("FILE_ONLY", default="default") == "from-file"
    assert config("NEITHER", default="default") == "default"


def test_missing_key_without_default() -> None:
    config = Config(environ={})
    with pytest.raises(KeyError, match="Config 'MISSING' is missing, and has no default."):
        config("MISSING")
    with pytest.raises(KeyError, match="Config 'MISSING' is missing, and has no default."):
        config.get("MISSING")


def test_explicit_undefined_default_means_no_default() -> None:
    with pytest.raises(KeyError):
        Config(environ={})("MISSING", default=undefined)


def test_none_default_is_returned_without_cast() -> None:
    config = Config(environ={})
    assert config("MISSING", default=None) is None
    assert config("MISSING", cast=int, default=None) is None


def test_empty_environment_value_is_not_missing() -> None:
    assert Config(environ={"EMPTY": ""})("EMPTY", default="fallback") == ""


def test_get_and_call_agree(tmp_path: Path) -> None:
    config = Config(write_env(tmp_path, "PORT=8000\n"), environ={})
    assert config.get("PORT", cast=int) == config("PORT", cast=int) == 8000
    assert config.get("OTHER", None, "x") == config("OTHER", None, "x") == "x"


def test_env_prefix(tmp_path: Path) -> None:
    path = write_env(tmp_path, "APP_FROM_FILE=file\nFROM_FILE=unprefixed\n")
    config = Config(path, environ={"APP_DEBUG": "yes", "ENVIRONMENT": "dev"}, env_prefix="APP_")
    assert config.env_prefix == "APP_"
    assert config("DEBUG") == "yes"
    assert config("FROM_FILE") == "file"
    with pytest.raises(KeyError, match="Config 'APP_ENVIRONMENT' is missing, and has no default."):
        config("ENVIRONMENT")


def test_reads_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STARLETTE_TEST_SMALL_VALUE", "from-os")
    config = Config()
    assert config.environ is environ
    assert config("STARLETTE_TEST_SMALL_VALUE") == "from-os"


# --- casting -------------------------------------------------------------------------------


def test_cast_int_and_float() -> None:
    config = Config(environ={"PORT": "8000", "RATIO": "0.25"})
    assert config("PORT", cast=int) == 8000
    assert config("RATIO", cast=float) == 0.25
    assert config("MISSING", cast=int, default=5) == 5
    assert config("MISSING", cast=int, default="6") == 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("True", True), ("TRUE", True), ("1", True), ("false", False), ("FaLsE", False), ("0", False)],
)
def test_cast_bool(text: str, expected: bool) -> None:
    assert Config(environ={"DEBUG": text})("DEBUG", cast=bool) is expected


@pytest.mark.parametrize("text", ["yes", "on", "", "2", " true"])
def test_cast_bool_rejects_other_text(text: str) -> None:
    config = Config(environ={"DEBUG": text})
    with pytest.raises(ValueError, match=f"^Config 'DEBUG' has value '{text.lower()}'. Not a valid bool.$"):
        config("DEBUG", cast=bool)


def test_cast_bool_non_text_default() -> None:
    config = Config(environ={})
    assert config("DEBUG", cast=bool, default=False) is False
    assert config("DEBUG", cast=bool, default=True) is True
    assert config("DEBUG", cast=bool, default="true") is True


def test_cast_failure_names_the_key_and_value() -> None:
    config = Config(environ={"PORT": "eighty"}, env_prefix="")
    with pytest.raises(ValueError, match="^Config 'PORT' has value 'eighty'. Not a valid int.$") as info:
        config("PORT", cast=int)
    assert isinstance(info.value.__cause__, ValueError)


def test_cast_failure_with_prefix_names_the_full_key() -> None:
    config = Config(environ={"APP_PORT": "x"}, env_prefix="APP_")
    with pytest.raises(ValueError, match="^Config 'APP_PORT' has value 'x'. Not a valid float.$"):
        config("PORT", cast=float)


def test_cast_type_error_becomes_value_error() -> None:
    def needs_bytes(value: str) -> bytes:
        raise TypeError("expected bytes")

    with pytest.raises(ValueError, match="^Config 'A' has value 'a'. Not a valid needs_bytes.$"):
        Config(environ={"A": "a"})("A", cast=needs_bytes)


def test_cast_failure_of_a_callable_without_name() -> None:
    class Parser:
        def __call__(self, value: str) -> int:
            raise ValueError(value)

        def __repr__(self) -> str:
            return "Parser()"

    with pytest.raises(ValueError, match=r"^Config 'A' has value 'a'. Not a valid Parser\(\).$"):
        Config(environ={"A": "a"})("A", cast=Parser())


def test_cast_other_errors_propagate() -> None:
    def broken(value: str) -> str:
        raise LookupError("bug in the cast")

    with pytest.raises(LookupError, match="bug in the cast"):
        Config(environ={"A": "a"})("A", cast=broken)


def test_cast_custom_callable(tmp_path: Path) -> None:
    config = Config(write_env(tmp_path, "HOSTS=a.example, b.example\n"), environ={})
    hosts = config("HOSTS", cast=lambda value: [host.strip() for host in value.split(",")])
    assert hosts == ["a.example", "b.example"]
    assert config("ROOT", cast=Path, default="/srv") == Path("/srv")


# --- Environ -------------------------------------------------------------------------------


def test_environ_reads_and_writes_the_wrapped_mapping() -> None:
    backing: dict[str, str] = {"A": "1"}
    env = Environ(backing)
    env["B"] = "2"
    assert backing == {"A": "1", "B": "2"}
    assert len(env) == 2
    assert sorted(env) == ["A", "B"]
    assert env["A"] == "1"
    del env["B"]
    assert backing == {"A": "1"}


def test_environ_refuses_to_set_or_delete_a_read_key() -> None:
    env = Environ({"A": "1"})
    assert env["A"] == "1"
    with pytest.raises(EnvironError, match=r"^Attempting to set environ\['A'\], but the value has already been read.$"):
        env["A"] = "2"
    with pytest.raises(
        EnvironError, match=r"^Attempting to delete environ\['A'\], but the value has already been read.$"
    ):
        del env["A"]
    assert env["A"] == "1"


def test_environ_lookup_of_a_missing_key_counts_as_read() -> None:
    env = Environ({})
    assert "LATE" not in env
    with pytest.raises(EnvironError, match="LATE"):
        env["LATE"] = "value"


def test_environ_iteration_does_not_count_as_read() -> None:
    env = Environ({"A": "1"})
    assert list(env) == ["A"]
    env["A"] = "2"
    del env["A"]
    assert len(env) == 0


def test_environ_delete_missing_key() -> None:
    with pytest.raises(KeyError):
        del Environ({})["MISSING"]


def test_config_lookup_locks_the_key() -> None:
    env = Environ({"DEBUG": "true"})
    config = Config(environ=env)
    assert config("DEBUG", cast=bool) is True
    assert config("MISSING", default="x") == "x"
    with pytest.raises(EnvironError):
        env["DEBUG"] = "false"
    with pytest.raises(EnvironError):
        env["MISSING"] = "y"


def test_default_environ_wraps_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    # A private Environ over the real os.environ, so the module-level one is not locked by this test.
    env = Environ()
    monkeypatch.setenv("STARLETTE_TEST_SMALL_OTHER", "1")
    assert env["STARLETTE_TEST_SMALL_OTHER"] == "1"
    assert "STARLETTE_TEST_SMALL_OTHER" in os.environ
    assert len(env) == len(os.environ)


def test_module_level_names() -> None:
    assert isinstance(config_module.environ, Environ)
    assert issubclass(EnvironError, Exception)
    assert isinstance(undefined, type)
