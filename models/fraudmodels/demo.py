"""The main job until the server exists: simulate a short stream, score its last transactions with a bundle's
model.onnx and print them."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from .bundle.verify import run_onnx
from .csvio import read_transactions
from .export import read_manifest, risk_level
from .features import compute_features
from .simulate import simulate
from .spec import load_spec


def demo(bundle_dir: Path, count: int = 10) -> None:
    manifest = read_manifest(bundle_dir)
    spec = load_spec(Path(bundle_dir) / manifest["featureSpec"]["file"])
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "stream.csv"
        # The population the default bundle was trained on, a different seed, 35 days (the 30-day windows fill up).
        simulate(path, seed=2024, customers=5000, terminals=10000, days=35, quiet=True)
        table = read_transactions(path)
    X = compute_features(spec, table)
    # The frauds among the last day's transactions first, then the rest, so the demo shows both.
    last_day = np.flatnonzero(table["day"].to_numpy() == table["day"].max())
    frauds = last_day[table["label"].to_numpy()[last_day] == 1][: count // 2]
    chosen = np.concatenate([frauds, np.setdiff1d(last_day, frauds)[: count - len(frauds)]])
    outputs = run_onnx((Path(bundle_dir) / "model.onnx").read_bytes(), X[chosen])
    print(
        f"model {manifest['name']} {manifest['version']} (threshold {manifest['threshold']:.3f}); "
        f"{len(table):,} simulated transactions, scoring {len(chosen)} of the last day"
    )
    print(
        f"{'id':>8} {'customer':>8} {'terminal':>8} {'amount':>9} {'probability':>11} {'risk':>8} {'block':>5} {'fraud':>5}"
    )
    for i, row in enumerate(chosen):
        probability = float(outputs["probability"].ravel()[i])
        tx = table.iloc[row]
        print(
            f"{tx['id']:>8} {tx['customerId']:>8} {tx['terminalId']:>8} {tx['amount']:>9.2f} {probability:>11.4f} "
            f"{risk_level(probability, manifest):>8} {'yes' if probability >= manifest['threshold'] else 'no':>5} "
            f"{'yes' if tx['label'] == 1 else 'no':>5}"
        )
    print(json.dumps({"bundle": str(bundle_dir), "scored": len(chosen)}))
