"""Native TreeSHAP speed, one thread: LightGBM predict(pred_contrib=True) and XGBoost predict(pred_contribs=True).

Same rows as bench.ts (shap.json's rows repeated), same native models the fixtures come from. Prints JSON.
Run from the repository root:  models/.venv/bin/python sdk/bench/treeshap/native.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import lightgbm
import numpy as np
import xgboost

ROOT = Path(__file__).resolve().parents[3]
CONFORMANCE = ROOT / "models" / "conformance" / "default"


def load_rows(repeat: int) -> np.ndarray:
    rows = json.loads((CONFORMANCE / "shap.json").read_text())["rows"]
    x = np.array([[np.nan if v is None else v for v in r["features"]] for r in rows], dtype=np.float64)
    return np.tile(x, (repeat, 1))


def best_of(runs: int, fn) -> float:
    """Fastest wall time of `runs` calls (seconds)."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20, help="copies of the 300 shap.json rows in a batch")
    parser.add_argument("--single-rows", type=int, default=600, help="rows for the one-row-per-call measurement")
    args = parser.parse_args()
    X = load_rows(args.repeat)
    lgbm = lightgbm.Booster(model_file=str(CONFORMANCE / "native" / "lightgbm.txt"))
    xgb = xgboost.Booster(model_file=str(CONFORMANCE / "native" / "xgboost.json"))
    xgb.set_param({"nthread": 1})
    names = xgb.feature_names

    def lgbm_contrib(rows):
        return lgbm.predict(rows, pred_contrib=True, num_threads=1)

    def xgb_contrib(dm):
        return xgb.predict(dm, pred_contribs=True)

    results: dict = {"rows": len(X), "threads": 1, "lightgbm": lightgbm.__version__, "xgboost": xgboost.__version__}
    # batches: one call for all rows (XGBoost: DMatrix built outside and inside the timing)
    dm = xgboost.DMatrix(X, missing=np.nan, feature_names=names, nthread=1)
    lgbm_batch = best_of(5, lambda: lgbm_contrib(X))
    xgb_batch = best_of(5, lambda: xgb_contrib(dm))
    xgb_batch_dm = best_of(5, lambda: xgb_contrib(xgboost.DMatrix(X, missing=np.nan, feature_names=names, nthread=1)))
    results["batch"] = {
        "lightgbm_rows_per_s": len(X) / lgbm_batch,
        "xgboost_rows_per_s": len(X) / xgb_batch,
        "xgboost_with_dmatrix_rows_per_s": len(X) / xgb_batch_dm,
        "ensemble_rows_per_s": len(X) / (lgbm_batch + xgb_batch),
    }
    # one row per call (what an online scorer does); XGBoost needs a DMatrix per row
    single = X[: args.single_rows]
    one_rows = [single[i : i + 1] for i in range(len(single))]
    one_dms = [xgboost.DMatrix(r, missing=np.nan, feature_names=names, nthread=1) for r in one_rows]
    lgbm_one = best_of(3, lambda: [lgbm_contrib(r) for r in one_rows])
    xgb_one = best_of(3, lambda: [xgb_contrib(d) for d in one_dms])
    xgb_one_dm = best_of(
        3, lambda: [xgb_contrib(xgboost.DMatrix(r, missing=np.nan, feature_names=names, nthread=1)) for r in one_rows]
    )
    n = len(one_rows)
    results["per_row"] = {
        "lightgbm_rows_per_s": n / lgbm_one,
        "xgboost_rows_per_s": n / xgb_one,
        "xgboost_with_dmatrix_rows_per_s": n / xgb_one_dm,
        "ensemble_rows_per_s": n / (lgbm_one + xgb_one),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
