"""Progress lines for long steps, on stderr so that stdout stays machine-readable."""

import sys
import time

_START = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _START:7.1f}s] {message}", file=sys.stderr, flush=True)
