"""Hypothesis settings for the property suite: derandomized, so every gate run tries the same examples.

`EXAMPLES` bounds the examples per property (and so the suite's run time);
deadlines are off because the machine is shared and timings vary.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

EXAMPLES = 150
"""The examples each property tries: 26 properties (backends counted), 3900 examples, about 6 s."""

settings.register_profile(
    "starlette-gate",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=EXAMPLES,
    # `anyio_backend` is function-scoped but the same for every example of a test.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("starlette-gate")
