"""Run `asgi_bench.py` against this package ("ours") and upstream Starlette, alternating closely.

Two worker processes are started (`asgi_bench.py --worker`), one per interpreter.
For every scenario and round they time batches of the same number of requests
in strict alternation, ours, upstream, ours, ... so both see the same machine
load. A round's ratio is ours' best batch over upstream's best batch; the
reported ratio is the median over rounds, and it is compared with the target.

    python benchmarks/compare.py --ours-python .venv/bin/python \\
        --upstream-python /tmp/starlette-upstream-venv/bin/python [--rounds 5] [--check] [--json out.json]

Exit status: 0; 1 with `--check` when a scenario misses its target; 2 when a
scenario does not produce the response it is meant to measure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


class Worker:
    """An `asgi_bench.py --worker` process for one interpreter."""

    def __init__(self, name: str, python: str) -> None:
        """Start the worker and read its greeting (which `starlette` it measures, the scenarios, the targets)."""
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        self.name = name
        self.process = subprocess.Popen(
            [python, str(HERE / "asgi_bench.py"), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd="/",
        )
        self.info: dict[str, Any] = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name} worker exited with status {self.process.wait()}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{self.name}: {answer['error']}")
        return answer

    def ask(self, **command: Any) -> float:
        """Send one command; return the seconds it answers."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return float(self._read()["seconds"])

    def close(self) -> None:
        """Ask the worker to quit and wait for it."""
        if self.process.poll() is None:
            assert self.process.stdin is not None
            try:
                self.process.stdin.write('{"op": "quit"}\n')
                self.process.stdin.close()
            except BrokenPipeError:
                pass
            self.process.wait(timeout=30)


def compare_scenario(
    name: str, ours: Worker, upstream: Worker, *, rounds: int, repeat: int, batch_time: float
) -> dict[str, Any]:
    """Time one scenario on both workers in alternation; return times (us/request) and ratios."""
    per_request = [worker.ask(op="calibrate", scenario=name, batch_time=batch_time) for worker in (ours, upstream)]
    count = max(1, round(batch_time / statistics.geometric_mean(per_request)))
    ours_best: list[float] = []
    upstream_best: list[float] = []
    for round_number in range(rounds):
        pair = (ours, upstream) if round_number % 2 == 0 else (upstream, ours)
        times: dict[str, list[float]] = {"ours": [], "upstream": []}
        for _ in range(repeat):
            for worker in pair:
                times[worker.name].append(worker.ask(op="time", scenario=name, count=count) / count * 1e6)
        ours_best.append(min(times["ours"]))
        upstream_best.append(min(times["upstream"]))
    ratios = [mine / theirs for mine, theirs in zip(ours_best, upstream_best, strict=True)]
    return {
        "ours_us": statistics.median(ours_best),
        "upstream_us": statistics.median(upstream_best),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "requests_per_batch": count,
    }


def render(summary: dict[str, dict[str, Any]], rounds: int) -> str:
    """Format the summary as a table."""
    lines = [
        f"median of {rounds} round(s); ratio = ours / upstream (lower is better)",
        f"{'scenario':24} {'ours us':>10} {'upstream us':>12} {'ratio':>7} {'(range)':>13} {'target':>8}  result",
    ]
    for name, row in summary.items():
        spread = f"{row['ratio_min']:.2f}-{row['ratio_max']:.2f}"
        target = "-" if row["target"] is None else f"<= {row['target']:.2f}"
        result = "" if row["met"] is None else ("ok" if row["met"] else "MISS")
        if row.get("floor_ratio") is not None:
            result += f" (floor {row['floor_ratio']:.2f})"
        lines.append(
            f"{name:24} {row['ours_us']:10.2f} {row['upstream_us']:12.2f} {row['ratio']:7.2f} {spread:>13} "
            f"{target:>8}  {result}"
        )
    misses = [name for name, row in summary.items() if row["met"] is False]
    lines.append(f"targets missed: {', '.join(misses)}" if misses else "all targets met")
    if any(row.get("floor_ratio") is not None for row in summary.values()):
        lines.append(
            "floor: the time of the scenario's unavoidable work alone (a raw ASGI app, no framework) over "
            "upstream's time, the best ratio any implementation can reach"
        )
    return "\n".join(lines)


def add_floor_ratios(summary: dict[str, dict[str, Any]], floors: dict[str, str]) -> None:
    """Give each scenario that has a measured floor its `floor_ratio` (floor time / upstream time)."""
    for name, floor_name in floors.items():
        if name in summary and floor_name in summary:
            floor = summary[floor_name]
            # The floor runs no Starlette code: both workers measure the same thing, so take both.
            floor_us = (floor["ours_us"] + floor["upstream_us"]) / 2
            summary[name]["floor_us"] = floor_us
            summary[name]["floor_ratio"] = floor_us / summary[name]["upstream_us"]


def main(argv: Sequence[str] | None = None) -> int:
    """Compare the two implementations scenario by scenario and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours-python", required=True, help="interpreter that imports our starlette")
    parser.add_argument("--upstream-python", required=True, help="interpreter that imports upstream starlette")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per scenario (the median ratio is reported)")
    parser.add_argument("--repeat", type=int, default=3, help="batches per implementation and round (best kept)")
    parser.add_argument("--batch-time", type=float, default=0.04, help="seconds per batch (about)")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--check", action="store_true", help="exit 1 if any target is missed")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    args = parser.parse_args(argv)
    ours = Worker("ours", args.ours_python)
    upstream = Worker("upstream", args.upstream_python)
    try:
        print(f"ours:     starlette {ours.info['starlette_version']} from {ours.info['starlette_path']}")
        print(f"upstream: starlette {upstream.info['starlette_version']} from {upstream.info['starlette_path']}")
        names = [name for name in args.only.split(",") if name] or list(ours.info["scenarios"])
        floors: dict[str, str] = ours.info.get("floors", {})
        names += [floors[name] for name in names if name in floors and floors[name] not in names]
        summary: dict[str, dict[str, Any]] = {}
        for name in names:
            print(f"  {name} ...", file=sys.stderr, flush=True)
            try:
                row = compare_scenario(
                    name, ours, upstream, rounds=args.rounds, repeat=args.repeat, batch_time=args.batch_time
                )
            except RuntimeError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            target: float | None = ours.info["targets"][name]
            row["description"] = ours.info["scenarios"][name]
            row["target"] = target
            row["met"] = None if target is None else row["ratio"] <= target
            summary[name] = row
    finally:
        ours.close()
        upstream.close()
    add_floor_ratios(summary, floors)
    print(render(summary, args.rounds))
    if args.json:
        report = {"ours": ours.info, "upstream": upstream.info, "rounds": args.rounds, "scenarios": summary}
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    missed = any(row["met"] is False for row in summary.values())
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
