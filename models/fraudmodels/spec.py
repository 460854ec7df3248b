"""The declarative feature spec: loading, validation and hashing.

A spec declares the raw input fields and, in model-input order, every feature as exactly one of:
  source     - a raw field's value, optionally mapped to a category code;
  calendar   - a 0/1 flag from a part of the timestamp (hour, isoWeekday) being in a set;
  window     - an aggregate over the same entity's transactions in (t - delay - length, t - delay]; with no delay the
               window ends at the current transaction, which it includes;
  ratio      - one earlier feature divided by another;
  difference - one earlier feature minus another (format 2).
Format "fraudscore-features/1" has the count, sum, mean and std aggregates over labels as stored. Format
"fraudscore-features/2" adds labels as known at scoring time (`labels: "known"`: a label counts only once its
known-at time, the field `<label field>KnownAt`, is at or before t), count of a field's present values, distinct
values, hours since the latest earlier transaction, and differences. An interpreter that only knows format 1 refuses
a format-2 spec instead of silently reading it another way.
The Python interpreter (features.py) and the TypeScript SDK interpret the same JSON, so training and serving agree.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from .durations import duration_ms
from .errors import SpecError

FORMAT_1 = "fraudscore-features/1"
FORMAT = "fraudscore-features/2"
FORMATS = (FORMAT_1, FORMAT)
FIELD_TYPES = {"string", "id", "number", "timestamp", "label", "category"}
FEATURE_TYPES = {"number", "count", "flag", "category"}
KINDS = ("source", "calendar", "window", "ratio", "difference")
CALENDAR_PARTS = {"hour": range(24), "isoWeekday": range(1, 8)}
AGGREGATES = {"count", "sum", "mean", "std", "distinct", "sinceLatest"}
# What each aggregate may read: None = no field; a set = the field types it accepts (count's field is optional).
AGGREGATE_FIELDS: dict[str, set[str] | None] = {
    "count": {"number", "label", "category", "id", "string", "timestamp"},
    "sum": {"number", "label"},
    "mean": {"number", "label"},
    "std": {"number", "label"},
    "distinct": {"number", "category", "id", "string"},
    "sinceLatest": None,
}
LABEL_TIMES = ("stored", "known")
_OFFSET = re.compile(r"^[+-](\d\d):(\d\d)$")

SPECS_DIR = Path(__file__).resolve().parent.parent / "specs"
BASELINE_SPEC_PATH = SPECS_DIR / "handbook-features.json"
DEFAULT_SPEC_PATH = SPECS_DIR / "default-features.json"


def known_at_field(label_field: str) -> str:
    """The input field holding the epoch-ms time a label became known (missing: not known to `labels: "known"`)."""
    return f"{label_field}KnownAt"


def load_spec(source: str | Path | dict[str, Any] = DEFAULT_SPEC_PATH) -> dict[str, Any]:
    """Reads and validates a spec from a path or an already parsed document."""
    if isinstance(source, dict):
        spec = source
    else:
        try:
            spec = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise SpecError(f"cannot read {source}: {error}") from error
    validate_spec(spec)
    return spec


def spec_hash(spec: dict[str, Any]) -> str:
    """sha256 of the spec's canonical JSON (sorted keys, no whitespace): identifies it across languages."""
    return hashlib.sha256(canonical_json(spec)).hexdigest()


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def feature_names(spec: dict[str, Any]) -> list[str]:
    return [f["name"] for f in spec["features"]]


def time_zone_offset_ms(spec: dict[str, Any]) -> int:
    """Calendar features read the timestamp in the spec's zone: "UTC" or a fixed offset like "+05:00"."""
    zone = spec.get("timeZone", "UTC")
    if zone == "UTC":
        return 0
    match = _OFFSET.match(zone) if isinstance(zone, str) else None
    if not match:
        raise SpecError(f'timeZone {zone!r} is not "UTC" or a fixed offset like "+05:00" (named zones are unsupported)')
    sign = -1 if zone[0] == "-" else 1
    return sign * (int(match.group(1)) * 60 + int(match.group(2))) * 60_000


def validate_spec(spec: Any) -> None:
    """Raises SpecError naming the first problem found."""
    if not isinstance(spec, dict):
        raise SpecError("the document is not a JSON object")
    if spec.get("format") not in FORMATS:
        raise SpecError(f"format is {spec.get('format')!r}, expected one of {list(FORMATS)}")
    time_zone_offset_ms(spec)
    fields = spec.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise SpecError("fields must be a non-empty object of field name -> {type}")
    for name, field in fields.items():
        if not isinstance(field, dict) or field.get("type") not in FIELD_TYPES:
            raise SpecError(f"field {name!r} needs a type among {sorted(FIELD_TYPES)}")
    features = spec.get("features")
    if not isinstance(features, list) or not features:
        raise SpecError("features must be a non-empty list")
    seen: set[str] = set()
    for feature in features:
        name = feature.get("name") if isinstance(feature, dict) else None
        if not isinstance(name, str) or not name:
            raise SpecError("every feature needs a non-empty string name")
        if name in seen:
            raise SpecError("duplicate feature name", name)
        _validate_feature(feature, fields, seen)
        if spec["format"] == FORMAT_1 and _needs_format_2(feature):
            raise SpecError(
                f"uses what format {FORMAT!r} added (labels, count of a field, distinct, sinceLatest, "
                "difference): declare that format",
                name,
            )
        seen.add(name)


def _needs_format_2(feature: dict[str, Any]) -> bool:
    window = feature.get("window")
    if "difference" in feature:
        return True
    return isinstance(window, dict) and (
        "labels" in window
        or window.get("aggregate") in ("distinct", "sinceLatest")
        or (window.get("aggregate") == "count" and "field" in window)
    )


def _validate_feature(feature: dict[str, Any], fields: dict[str, Any], earlier: set[str]) -> None:
    name = feature["name"]
    if feature.get("type") not in FEATURE_TYPES:
        raise SpecError(f"type must be one of {sorted(FEATURE_TYPES)}", name)
    kinds = [k for k in KINDS if k in feature]
    if len(kinds) != 1:
        raise SpecError(f"needs exactly one of {list(KINDS)}, has {kinds}", name)
    body = feature[kinds[0]]
    if not isinstance(body, dict):
        raise SpecError(f"{kinds[0]} must be an object", name)

    def need_field(key: str, types: set[str]) -> str:
        field = body.get(key)
        if field not in fields:
            raise SpecError(f"{kinds[0]}.{key} {field!r} is not a declared field", name)
        if fields[field]["type"] not in types:
            raise SpecError(
                f"{kinds[0]}.{key} {field!r} has type {fields[field]['type']!r}, expected one of {sorted(types)}", name
            )
        return field

    if kinds[0] == "source":
        field = need_field("field", {"number", "label", "category"})
        categories = body.get("categories")
        if fields[field]["type"] == "category" or categories is not None:
            if not isinstance(categories, list) or not categories or len(set(map(str, categories))) != len(categories):
                raise SpecError("source.categories must be a non-empty list of distinct values (code = index)", name)
            if feature["type"] != "category":
                raise SpecError('a feature with categories must have type "category"', name)
    elif kinds[0] == "calendar":
        need_field("field", {"timestamp"})
        part = body.get("part")
        if part not in CALENDAR_PARTS:
            raise SpecError(f"calendar.part must be one of {sorted(CALENDAR_PARTS)}", name)
        values = body.get("in")
        if not isinstance(values, list) or not values or any(v not in CALENDAR_PARTS[part] for v in values):
            raise SpecError(f"calendar.in must list values of {part} in {CALENDAR_PARTS[part]}", name)
        if feature["type"] != "flag":
            raise SpecError('a calendar feature has type "flag"', name)
    elif kinds[0] == "window":
        entity = body.get("entity")
        if entity not in fields or fields[entity]["type"] != "id":
            raise SpecError(f'window.entity {entity!r} must be a declared field of type "id"', name)
        if duration_ms(body.get("length"), name) <= 0:
            raise SpecError("window.length must be positive", name)
        duration_ms(body.get("delay", "0d"), name)
        aggregate = body.get("aggregate")
        if aggregate not in AGGREGATES:
            raise SpecError(f"window.aggregate {aggregate!r} is unsupported; use one of {sorted(AGGREGATES)}", name)
        accepted = AGGREGATE_FIELDS[aggregate]
        if accepted is None:
            if "field" in body:
                raise SpecError(f"window.aggregate {aggregate!r} reads no field", name)
        elif aggregate != "count" or "field" in body:
            need_field("field", accepted)
        if "labels" in body:
            if body["labels"] not in LABEL_TIMES:
                raise SpecError(f"window.labels must be one of {list(LABEL_TIMES)}", name)
            if "field" not in body or fields[body["field"]]["type"] != "label":
                raise SpecError('window.labels applies to a window over a field of type "label"', name)
        if "empty" in body and body["empty"] is not None and not isinstance(body["empty"], (int, float)):
            raise SpecError("window.empty must be a number or null (missing)", name)
    elif kinds[0] == "ratio":
        for key in ("numerator", "denominator"):
            if body.get(key) not in earlier:
                raise SpecError(f"ratio.{key} {body.get(key)!r} must name an earlier feature", name)
        if "empty" in body and body["empty"] is not None and not isinstance(body["empty"], (int, float)):
            raise SpecError("ratio.empty must be a number or null (missing)", name)
    else:
        for key in ("minuend", "subtrahend"):
            if body.get(key) not in earlier:
                raise SpecError(f"difference.{key} {body.get(key)!r} must name an earlier feature", name)
