"""Durations in the feature spec: an integer and a unit, e.g. "30d", "6h", "15m", "45s", "0d"."""

import re

from .errors import SpecError

_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1_000}
_PATTERN = re.compile(r"^(\d+)([dhms])$")


def duration_ms(text: object, feature: str | None = None) -> int:
    """Parses a spec duration into milliseconds."""
    match = _PATTERN.match(text) if isinstance(text, str) else None
    if not match:
        raise SpecError(f'duration {text!r} is not <integer><d|h|m|s>, e.g. "7d"', feature)
    return int(match.group(1)) * _UNIT_MS[match.group(2)]
