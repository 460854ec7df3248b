"""Baseline for the benchmark: a minimal FastAPI service equivalent to the original Python design.

It loads the SAME bundle's native models (models/conformance/default/native: LightGBM text model, XGBoost JSON),
predicts each model's margin, blends them 0.6/0.4 in log-odds like the Node server, and with SHAP runs
shap.TreeExplainer on both models and blends their values the same way. One uvicorn worker.

Fairness: the request carries the 15 feature values PRECOMPUTED (the Node server computes them from the stored
history and stores every scored transaction), so this baseline does strictly less work per request. Native
libraries run with one thread each (OMP_NUM_THREADS=1 is also set by the bench): with their default thread
pools, single-row predictions on 2 cores were 40-100x slower, which would flatter our ratios.
Run: uvicorn app:app --app-dir server/bench/baseline --port 8001 --workers 1
"""

import json
import math
import os
import warnings
from pathlib import Path

import lightgbm as lgb
import numpy as np
import shap
import xgboost as xgb
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parents[3]
NATIVE = Path(os.environ.get("BASELINE_MODELS", ROOT / "models" / "conformance" / "default" / "native"))
CONFORMANCE = NATIVE.parent
WEIGHTS = {"lightgbm": 0.6, "xgboost": 0.4}

features_doc = json.loads((CONFORMANCE / "features.json").read_text())
FEATURES: list[str] = features_doc["features"]
lgbm = lgb.Booster(model_file=str(NATIVE / "lightgbm.txt"))
xgbm = xgb.Booster()
xgbm.load_model(str(NATIVE / "xgboost.json"))
xgbm.set_param({"nthread": 1})
lgb_explainer = shap.TreeExplainer(lgbm)
xgb_explainer = shap.TreeExplainer(xgbm)
THRESHOLD = 0.3907791824341061
try:
    THRESHOLD = json.loads((ROOT / "models" / "bundles" / "default" / "manifest.json").read_text())["threshold"]
except (OSError, ValueError, KeyError):  # the threshold only labels the answer: keep the default
    pass


def margins(X: np.ndarray):
    m_l = lgbm.predict(X, raw_score=True, num_threads=1)
    m_x = xgbm.predict(xgb.DMatrix(X, missing=np.nan), output_margin=True)
    return m_l, m_x


def _shap_row(values) -> np.ndarray:
    v = values[1] if isinstance(values, list) else values  # older shap: [neg, pos] for LightGBM
    return np.asarray(v, dtype=np.float64).reshape(-1)[: len(FEATURES)]


# Self-check at start: the blended margin must match the conformance fixture (same models as the Node server).
_rows = json.loads((CONFORMANCE / "scores.json").read_text())["rows"][:50]
_X = np.array([[np.nan if v is None else v for v in r["features"]] for r in _rows], dtype=np.float64)
_l, _x = margins(_X)
_err = float(
    np.max(np.abs(WEIGHTS["lightgbm"] * _l + WEIGHTS["xgboost"] * _x - np.array([r["margin"] for r in _rows])))
)
if _err > 1e-4:
    raise SystemExit(f"baseline models disagree with the conformance fixture (max margin error {_err})")


class ScoreRequest(BaseModel):
    id: str
    features: list[float | None]


app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok", "features": len(FEATURES)}


@app.post("/v1/score")
def score(request: ScoreRequest, explain: bool = True):
    if len(request.features) != len(FEATURES):
        raise HTTPException(status_code=400, detail=f"expected {len(FEATURES)} features")
    X = np.array([[np.nan if v is None else v for v in request.features]], dtype=np.float64)
    m_l, m_x = margins(X)
    margin = WEIGHTS["lightgbm"] * float(m_l[0]) + WEIGHTS["xgboost"] * float(m_x[0])
    probability = 1.0 / (1.0 + math.exp(-margin))
    result = {"id": request.id, "probability": probability, "margin": margin, "isFraud": probability >= THRESHOLD}
    if explain:
        values = WEIGHTS["lightgbm"] * _shap_row(lgb_explainer.shap_values(X)) + WEIGHTS["xgboost"] * _shap_row(
            xgb_explainer.shap_values(X)
        )
        order = np.argsort(-np.abs(values))[:5]
        result["explanation"] = {
            "values": {FEATURES[i]: float(values[i]) for i in range(len(FEATURES))},
            "top": [{"feature": FEATURES[i], "value": float(values[i])} for i in order],
        }
    return result
