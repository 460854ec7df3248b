"""Native TreeSHAP speed, one thread: LightGBM predict(pred_contrib=True) and XGBoost predict(pred_contribs=True).

Same rows as bench.ts (shap.json's rows repeated), same native models the fixtures come from. Prints JSON.
Run from the repository root:  models/.venv/bin/python sdk/bench/treeshap/native.py [--repeat 20]
--pair DIR times a deep pair instead (python -m fraudmodels deep-pair: DIR/native/*, DIR/shap.json's rows).
Timings are the median of --rounds runs (the machine may be shared), with the fastest run beside it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import lightgbm
import numpy as np
import xgboost

ROOT = Path(__file__).resolve().parents[3]
CONFORMANCE = ROOT / "models" / "conformance" / "default"


def load_rows(directory: Path, repeat: int, limit: int | None) -> np.ndarray:
    rows = json.loads((directory / "shap.json").read_text())["rows"][:limit]
    x = np.array([[np.nan if v is None else v for v in r["features"]] for r in rows], dtype=np.float64)
    return np.tile(x, (repeat, 1))


def timed(runs: int, fn) -> dict[str, float]:
    """Median and fastest wall time of `runs` calls after one warm-up call (seconds)."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "min": min(times)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--pair", type=Path, default=None, help="a deep pair's directory instead of the default bundle's"
    )
    parser.add_argument("--repeat", type=int, default=20, help="copies of the rows in a batch")
    parser.add_argument("--rows", type=int, default=None, help="use the first ROWS rows of shap.json only")
    parser.add_argument("--rounds", type=int, default=5, help="timed runs of each measurement (median reported)")
    parser.add_argument(
        "--single-rows", type=int, default=600, help="rows for the one-row-per-call measurement (0: skip it)"
    )
    args = parser.parse_args()
    directory = args.pair or CONFORMANCE
    X = load_rows(directory, args.repeat, args.rows)
    lgbm = lightgbm.Booster(model_file=str(directory / "native" / "lightgbm.txt"))
    xgb = xgboost.Booster(model_file=str(directory / "native" / "xgboost.json"))
    xgb.set_param({"nthread": 1})
    names = xgb.feature_names

    def lgbm_contrib(rows):
        return lgbm.predict(rows, pred_contrib=True, num_threads=1)

    def xgb_contrib(dm):
        return xgb.predict(dm, pred_contribs=True)

    results: dict = {
        "rows": len(X),
        "threads": 1,
        "lightgbm": lightgbm.__version__,
        "xgboost": xgboost.__version__,
        "source": str(directory),
    }
    # batches: one call for all rows (XGBoost: DMatrix built outside and inside the timing)
    dm = xgboost.DMatrix(X, missing=np.nan, feature_names=names, nthread=1)
    lgbm_batch = timed(args.rounds, lambda: lgbm_contrib(X))
    xgb_batch = timed(args.rounds, lambda: xgb_contrib(dm))
    results["batch"] = {
        "lightgbm_ms_per_row": 1e3 * lgbm_batch["median"] / len(X),
        "xgboost_ms_per_row": 1e3 * xgb_batch["median"] / len(X),
        "fastest": {
            "lightgbm_ms_per_row": 1e3 * lgbm_batch["min"] / len(X),
            "xgboost_ms_per_row": 1e3 * xgb_batch["min"] / len(X),
        },
        "lightgbm_rows_per_s": len(X) / lgbm_batch["median"],
        "xgboost_rows_per_s": len(X) / xgb_batch["median"],
        "ensemble_rows_per_s": len(X) / (lgbm_batch["median"] + xgb_batch["median"]),
    }
    if args.single_rows > 0:
        # one row per call (what an online scorer does); XGBoost needs a DMatrix per row
        single = X[: args.single_rows]
        one_rows = [single[i : i + 1] for i in range(len(single))]
        one_dms = [xgboost.DMatrix(r, missing=np.nan, feature_names=names, nthread=1) for r in one_rows]
        lgbm_one = timed(3, lambda: [lgbm_contrib(r) for r in one_rows])["median"]
        xgb_one = timed(3, lambda: [xgb_contrib(d) for d in one_dms])["median"]
        n = len(one_rows)
        results["per_row"] = {
            "lightgbm_rows_per_s": n / lgbm_one,
            "xgboost_rows_per_s": n / xgb_one,
            "ensemble_rows_per_s": n / (lgbm_one + xgb_one),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
