# Sourced by scripts/test, scripts/demo, scripts/lock and scripts/docs: the
# locked toolchain. uv itself is pinned with hashes in scripts/uv-requirements.txt
# and lives in .tools/; every other development package comes from uv.lock.
# shellcheck shell=bash

TOOLS_DIR="$PWD/.tools"
UV="$TOOLS_DIR/bin/uv"
export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
unset VIRTUAL_ENV UV_PROJECT_ENVIRONMENT

# The Python the checkers and the coverage run use (3.11 or newer: FastAPI,
# for tests/compat, needs it).
DEFAULT_PYTHON="${PYTHON:-python3}"

# Installs the pinned uv into .tools/ unless it is already there.
ensure_uv() {
    local want
    want=$(sed -n 's/^uv==\([^ ]*\).*/\1/p' scripts/uv-requirements.txt)
    if [ "$("$UV" --version 2>/dev/null | cut -d' ' -f2)" != "$want" ]; then
        rm -rf "$TOOLS_DIR"
        "$DEFAULT_PYTHON" -m venv "$TOOLS_DIR"
        "$TOOLS_DIR/bin/python" -m pip install -qq --disable-pip-version-check --require-hashes \
            -r scripts/uv-requirements.txt
    fi
}

# Creates or updates .venv on the default Python with every extra and
# development group, exactly as uv.lock has them (--locked also fails when
# uv.lock no longer matches pyproject.toml).
sync_default_env() {
    "$UV" sync --locked --python "$DEFAULT_PYTHON" --all-extras --all-groups "$@"
}

# Prints the interpreter for CPython X.Y ($1), looking on PATH and in pyenv's
# versions, or nothing if this machine has none.
find_python() {
    local candidate
    for candidate in "$(command -v "python$1" 2>/dev/null)" "$HOME"/.pyenv/versions/"$1".*/bin/python"$1"; do
        [ -n "$candidate" ] && [ -x "$candidate" ] || continue
        if "$candidate" -c 'import sys; raise SystemExit(f"{sys.version_info[0]}.{sys.version_info[1]}" != sys.argv[1])' "$1" 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 0
}
