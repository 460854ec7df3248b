"""A local MLflow tracking server (runs, model registry, proxied artifacts) in one directory, for tests and
development: `python -m fraudmodels mlflow-server --port N --dir D` or MlflowServer.start(D) from Python.

The command line (also what the TypeScript side runs), with D absolute:

  models/.venv/bin/mlflow server --backend-store-uri sqlite:///D/mlflow.db --serve-artifacts
      --artifacts-destination D/artifacts --host 127.0.0.1 --port N --workers 1

with MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false in its environment: otherwise MLflow 3 also starts a job runner with
seven huey consumer processes (GenAI jobs, unused here) that slow the start on 2 cores and, when only the main
process gets SIGTERM, are left running as orphans. Without them SIGTERM stops the server within seconds.

Artifacts go through the server (mlflow-artifacts:/ URIs), so clients need only HTTP access. MLflow 3's security
middleware accepts loopback Host headers (127.0.0.1:N, localhost:N) with its defaults. This module does not import
mlflow: it runs the `mlflow` executable next to the Python interpreter (the venv's).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .errors import FraudModelsError


def mlflow_executable() -> Path:
    path = Path(sys.executable).parent / "mlflow"
    if not path.exists():
        raise FraudModelsError(
            f"{path} is missing: MLflow is an optional extra; run scripts/setup.sh (or pip install -e 'models[mlflow]')"
        )
    return path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def server_environment() -> dict[str, str]:
    return {
        **os.environ,
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": os.environ.get("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false"),
    }


def server_command(directory: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    directory = Path(directory).resolve()
    return [
        str(mlflow_executable()),
        "server",
        "--backend-store-uri",
        f"sqlite:///{directory / 'mlflow.db'}",
        "--serve-artifacts",
        "--artifacts-destination",
        str(directory / "artifacts"),
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        "1",
    ]


class MlflowServer:
    """A started server process (its own process group) and its URL; stop() ends it and its workers."""

    def __init__(self, process: subprocess.Popen, url: str, log_path: Path):
        self.process, self.url, self.log_path = process, url, log_path

    @classmethod
    def start(
        cls, directory: Path, port: int | None = None, host: str = "127.0.0.1", timeout: float = 120.0
    ) -> MlflowServer:
        """Starts the server and returns once GET /health answers 200 (or raises after timeout seconds)."""
        server = cls.launch(directory, port, host)
        try:
            server.wait_healthy(timeout)
        except BaseException:
            server.stop()
            raise
        return server

    @classmethod
    def launch(cls, directory: Path, port: int | None = None, host: str = "127.0.0.1") -> MlflowServer:
        """Starts the server without waiting (it takes 10-30 s to answer); call wait_healthy before use."""
        directory = Path(directory).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        port = port or free_port(host)
        log_path = directory / "server.log"
        with open(log_path, "ab") as log_file:
            process = subprocess.Popen(
                server_command(directory, port, host),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=server_environment(),
                start_new_session=True,
            )
        return cls(process, f"http://{host}:{port}", log_path)

    def wait_healthy(self, timeout: float = 120.0) -> None:
        if getattr(self, "_healthy", False):
            return
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise FraudModelsError(f"mlflow server exited with code {self.process.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        self._healthy = True
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise FraudModelsError(
                    f"mlflow server at {self.url} not healthy after {timeout:.0f} s: {self.log_tail()}"
                )
            time.sleep(0.2)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM to the process group; SIGKILL after timeout (uvicorn waits for idle keep-alive clients)."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def run_foreground(directory: Path, port: int, host: str = "127.0.0.1") -> None:
    """Replaces this process with the server (Ctrl-C stops it)."""
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    command = server_command(directory, port, host)
    print(" ".join(command), file=sys.stderr, flush=True)
    os.execve(command[0], command, server_environment())
