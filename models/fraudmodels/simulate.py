"""The transaction simulator lives once, in TypeScript (models/simulator), so the Node server can stream demo
traffic without Python; the pipeline runs its CLI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .errors import FraudModelsError

SIMULATOR_CLI = Path(__file__).resolve().parent.parent / "simulator" / "dist" / "cli.js"


def simulate(
    out: Path,
    seed: int = 42,
    customers: int = 5000,
    terminals: int = 10000,
    days: int = 90,
    start: str = "2018-04-01",
    quiet: bool = False,
    options: dict[str, object] | None = None,
) -> Path:
    """Runs the simulator CLI; `options` are further CLI flags without dashes, e.g. {"compromised-terminals-per-day": 1}."""
    node = shutil.which("node")
    if node is None:
        raise FraudModelsError("the simulator needs Node.js 20 or newer on PATH")
    if not SIMULATOR_CLI.exists():
        raise FraudModelsError(f"{SIMULATOR_CLI} is missing: build the workspace first (`pnpm install && pnpm build`)")
    command = [
        node,
        str(SIMULATOR_CLI),
        "--out",
        str(out),
        "--seed",
        str(seed),
        "--customers",
        str(customers),
        "--terminals",
        str(terminals),
        "--days",
        str(days),
        "--start",
        start,
    ]
    for flag, value in (options or {}).items():
        command += [f"--{flag}", str(value)]
    if quiet:
        command.append("--quiet")
    result = subprocess.run(command, check=False)  # the exit code is reported below, with the command
    if result.returncode != 0:
        raise FraudModelsError(f"the simulator failed (exit code {result.returncode}): {' '.join(command)}")
    return out
