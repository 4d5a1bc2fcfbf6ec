# mypy: disable-error-code="assignment"
# (mypy reports each name `httpx` rebinds after `httpx2`, and keeps the first binding, as wanted.)
"""The HTTP client API `starlette.testclient` is typed against: for type checkers only.

Upstream types the test client against `httpx2`, which its `full` extra
installs; with plain `httpx` alone, upstream's test client types are unknown.
Here a checker sees `httpx2`'s public names when it is installed and `httpx`'s
otherwise: the choice the runtime import in `starlette.testclient` makes.

Only a wildcard import can make that choice, as it binds nothing when its
module is missing (a named import from a missing module binds an unknown
type). Reading a name from this module, mypy keeps its first binding, pyright
and ty its last, so `httpx2` is imported before and after `httpx`. Inside this
module pyright and ty would see both bindings at once: the parameter types
built from these names are in `_httpx_types.pyi`, which reads them from here.
A wildcard import carries a module's `__all__` only, which is all this module
holds. `scripts/testclient_typing.py` proves the choice in the gate.

Nothing imports this module at run time; it has no source counterpart.
"""

# The order is the point (see above); the names are re-exported for `_httpx_types.pyi` and the test client.
from httpx2 import *  # noqa: F403, I001
from httpx import *  # noqa: F403
from httpx2 import *  # noqa: F403
