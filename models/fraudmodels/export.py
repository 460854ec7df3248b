"""Writing the model bundle: a directory that the SDK, the edge and the server load (format in models/README.md).

  manifest.json      name, version, provenance, features, weights, threshold and tiers, metrics, sha256 of files
  manifest.sig.json  optional Ed25519 signature of manifest.json's exact bytes
  features.json      the feature spec
  trees.json         both tree ensembles, for the TypeScript evaluator and TreeSHAP
  model.onnx         both ensembles and their weighted margin sum in one ONNX graph
  reference.json     the training distribution, for drift monitoring

Everything is built and verified in memory, written into a temporary sibling directory, then renamed into place:
a failed export never leaves half a bundle.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .bundle.onnx_graph import build_onnx
from .bundle.trees import dumps as dump_trees, export_trees
from .bundle.verify import verify_bundle_models
from .errors import ExportError
from .progress import log
from .reference import build_reference
from .signing import load_signing_key, sign
from .spec import feature_names, spec_hash
from .train import Ensemble, sigmoid

MANIFEST_FORMAT = "fraudscore-bundle/1"
# Risk tiers as offsets from the decision threshold t (the original design): LOW below t, MEDIUM from t, HIGH from
# t + 0.1, CRITICAL from t + 0.2; transactions are blocked from t.
RISK_TIERS = [
    {"level": "LOW", "from": None},
    {"level": "MEDIUM", "offset": 0.0},
    {"level": "HIGH", "offset": 0.1},
    {"level": "CRITICAL", "offset": 0.2},
]


def json_bytes(document: Any) -> bytes:
    return (json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False) + "\n").encode()


def code_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def build_bundle_files(
    ensemble: Ensemble, spec: dict[str, Any], X_train: np.ndarray, X_verify: np.ndarray, manifest_fields: dict[str, Any]
) -> tuple[dict[str, bytes], dict[str, Any]]:
    """All bundle files as bytes (manifest last, it lists the others' hashes) plus the verification report."""
    names = feature_names(spec)
    lgbm, xgb = ensemble.models["lightgbm"], ensemble.models["xgboost"]
    log("exporting trees.json and model.onnx")
    trees_doc = export_trees(lgbm, xgb, names)
    onnx_bytes = build_onnx(trees_doc, ensemble.weights).SerializeToString()
    log(f"verifying onnxruntime and trees.json against the native models on {len(X_verify):,} rows + edge rows")
    verification = verify_bundle_models(trees_doc, onnx_bytes, lgbm, xgb, ensemble.weights, X_verify)
    probability = sigmoid(ensemble.margin(X_train))
    files = {
        "features.json": json_bytes(spec),
        "trees.json": (dump_trees(trees_doc) + "\n").encode(),
        "model.onnx": onnx_bytes,
        "reference.json": json_bytes(
            build_reference(names, X_train, probability, manifest_fields["trainingData"]["window"])
        ),
    }
    manifest = {
        "format": MANIFEST_FORMAT,
        **manifest_fields,
        "createdAt": manifest_fields.get("createdAt")
        or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "codeRevision": manifest_fields.get("codeRevision") or code_revision(),
        "features": names,
        "featureSpec": {
            "file": "features.json",
            "name": spec["name"],
            "version": spec["version"],
            "sha256": spec_hash(spec),
        },
        "ensemble": {
            "combination": "margin = sum(weight * model margin); probability = sigmoid(margin)",
            "weights": ensemble.weights,
            "hyperparameters": ensemble.params,
        },
        "riskTiers": RISK_TIERS,
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in sorted(files.items())
        },
    }
    files["manifest.json"] = json_bytes(manifest)
    return files, verification


def write_bundle(files: dict[str, bytes], out_dir: Path, signing_key: str | None = None) -> Path:
    """Writes the files (plus the manifest signature when a key is given) atomically into out_dir."""
    out_dir = Path(out_dir).resolve()
    if signing_key:
        files = {**files, "manifest.sig.json": json_bytes(sign(files["manifest.json"], load_signing_key(signing_key)))}
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for name, data in files.items():
            with open(staging / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        staging.chmod(0o755)
        previous = None
        if out_dir.exists():
            previous = out_dir.with_name(f".{out_dir.name}.previous")
            shutil.rmtree(previous, ignore_errors=True)
            os.rename(out_dir, previous)
        os.rename(staging, out_dir)
        if previous:
            shutil.rmtree(previous, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise ExportError(f"could not write the bundle to {out_dir}: {error}") from error
    return out_dir


def read_manifest(bundle_dir: Path) -> dict[str, Any]:
    """The manifest, after checking every listed file's sha256 (raises ExportError on any mismatch)."""
    bundle_dir = Path(bundle_dir)
    try:
        manifest = json.loads((bundle_dir / "manifest.json").read_bytes())
    except (OSError, json.JSONDecodeError) as error:
        raise ExportError(f"{bundle_dir}: no readable manifest.json ({error})") from error
    for name, entry in manifest["files"].items():
        path = bundle_dir / name
        if not path.exists():
            raise ExportError(f"{bundle_dir}: {name} is listed in the manifest but missing")
        if hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            raise ExportError(f"{bundle_dir}: {name} does not match its sha256 in the manifest (tampered or truncated)")
    return manifest


TIER_TOLERANCE = 1e-12


def risk_level(probability: float, manifest: dict[str, Any]) -> str:
    """The tier of a probability: the highest tier with probability - t >= offset - 1e-12 (the tolerance keeps
    0.6 in CRITICAL for t = 0.4 although 0.4 + 0.2 > 0.6 in binary floating point)."""
    level = manifest["riskTiers"][0]["level"]
    for tier in manifest["riskTiers"][1:]:
        if probability - manifest["threshold"] >= tier["offset"] - TIER_TOLERANCE:
            level = tier["level"]
    return level
