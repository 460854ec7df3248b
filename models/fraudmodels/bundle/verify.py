"""Check trees.json + model.onnx against the native boosters, on data rows and on edge rows."""

from __future__ import annotations

import numpy as np

from .trees import LGBM_ZERO_THRESHOLD, evaluate_trees, prepare_input, sigmoid

# max abs error allowed per measured quantity (margins are log-odds)
DEFAULT_TOLERANCES = {
    "reference_margin_lightgbm": 1e-12,
    "reference_margin_xgboost": 1e-6,
    "onnx_margin_lightgbm": 1e-9,
    "onnx_margin_xgboost": 1e-6,
    "onnx_margin": 1e-6,
    "onnx_probability": 1e-5,
}


class BundleVerificationError(AssertionError):
    """The exported bundle disagrees with the native models beyond tolerance."""


def _neighbours(value: float, dtype) -> list[float]:
    """value and the next representable value of ``dtype`` on either side, as doubles."""
    v = dtype(value)
    return [float(np.nextafter(v, dtype(-np.inf))), float(v), float(np.nextafter(v, dtype(np.inf)))]


def _threshold_values(threshold: float, threshold_type: str) -> list[float]:
    """Values on and around a threshold where double, float32 and library comparisons can disagree."""
    values = _neighbours(threshold, np.float64)  # on it and one double ulp either side
    if abs(threshold) < float(np.finfo(np.float32).max):  # (LightGBM writes +-inf as +-1e300)
        values += _neighbours(threshold, np.float32)  # float32 rounding of it, one float32 ulp either side
    if threshold_type == "float32":  # doubles that round onto t in float32, and ties
        lo, t, hi = _neighbours(threshold, np.float32)
        values += [t + (lo - t) / 4, t + (hi - t) / 4, t + (lo - t) / 2, t + (hi - t) / 2]
    return sorted({v for v in values if np.isfinite(v) and abs(v) < float(np.finfo(np.float32).max)})


def _rows_reaching(tree: dict, model: dict, Xp: np.ndarray) -> dict[int, np.ndarray]:
    """For each internal node, the indices of rows whose path goes through it."""
    feature, left, right = np.asarray(tree["feature"]), np.asarray(tree["left"]), np.asarray(tree["right"])
    threshold = np.asarray(tree["threshold"], dtype=Xp.dtype)
    missing_left = np.asarray(tree["missingGoesLeft"], dtype=bool)
    less = np.less_equal if model["comparison"] == "<=" else np.less
    reach, rows, node = {}, np.arange(len(Xp)), np.zeros(len(Xp), dtype=np.int64)
    if feature[0] < 0:  # single-leaf tree
        return reach
    while rows.size:
        for n in np.unique(node):
            reach.setdefault(int(n), []).append(rows[node == n])
        x = Xp[rows, feature[node]]
        go_left = np.where(np.isnan(x), missing_left[node], less(x, threshold[node]))
        node = np.where(go_left, left[node], right[node])
        keep = feature[node] >= 0
        rows, node = rows[keep], node[keep]
    return {n: np.concatenate(r) for n, r in reach.items()}


def make_edge_rows(trees_doc: dict, X, rng: np.random.Generator, max_rows: int | None = 20000) -> np.ndarray:
    """Rows probing exact semantics, each a copy of a row of ``X`` with one value replaced:

    - for every split of both models: the threshold itself, one double ulp and one float32 ulp either
      side (and, for float32 thresholds, doubles that round onto it and exact float32 ties), placed in a
      row whose path reaches that split when ``X`` has one;
    - NaN in each feature (3 rows per feature) and one all-NaN row;
    - 0.0, -0.0, +-LightGBM's zero threshold (1e-35f) and values just around it, in each feature.
    Split-probing rows are subsampled to ``max_rows`` (None: keep all).
    """
    X = np.asarray(X, dtype=np.float64)
    n_features = len(trees_doc["features"])
    if X.ndim != 2 or X.shape[1] != n_features or len(X) == 0:
        raise ValueError(f"X must be a non-empty [N, {n_features}] matrix")
    base, col, val = [], [], []
    for model in trees_doc["models"]:
        Xp = prepare_input(model, X)
        for tree in model["trees"]:
            reach = _rows_reaching(tree, model, Xp)
            for node, f in enumerate(tree["feature"]):
                if f < 0:
                    continue
                candidates = reach.get(node, np.arange(len(X)))
                for v in _threshold_values(tree["threshold"][node], model["thresholdType"]):
                    base.append(int(rng.choice(candidates))), col.append(f), val.append(v)
    if max_rows is not None and len(base) > max_rows:
        keep = np.sort(rng.choice(len(base), size=max_rows, replace=False))
        base, col, val = [np.asarray(a)[keep].tolist() for a in (base, col, val)]
    special = [np.nan] * 3 + [
        0.0,
        -0.0,
        LGBM_ZERO_THRESHOLD,
        -LGBM_ZERO_THRESHOLD,
        1e-36,
        -1e-36,
        *(_neighbours(LGBM_ZERO_THRESHOLD, np.float64)[::2]),
        *(_neighbours(-LGBM_ZERO_THRESHOLD, np.float64)[::2]),
    ]
    for f in range(n_features):
        for v in special:
            base.append(int(rng.integers(len(X)))), col.append(f), val.append(v)
    rows = X[np.asarray(base, dtype=np.int64)].copy()
    rows[np.arange(len(rows)), np.asarray(col, dtype=np.int64)] = np.asarray(val, dtype=np.float64)
    return np.vstack([rows, np.full((1, n_features), np.nan)])


def count_rows_on_thresholds(trees_doc: dict, X) -> int:
    """Rows having at least one feature value exactly on a split threshold (as that model compares)."""
    X = np.asarray(X, dtype=np.float64)
    on = np.zeros(len(X), dtype=bool)
    for model in trees_doc["models"]:
        Xp = prepare_input(model, X)
        per_feature: dict[int, list[float]] = {}
        for tree in model["trees"]:
            for f, t in zip(tree["feature"], tree["threshold"]):
                if f >= 0:
                    per_feature.setdefault(f, []).append(t)
        for f, ts in per_feature.items():
            on |= np.isin(Xp[:, f], np.asarray(ts, dtype=Xp.dtype))
    return int(on.sum())


def native_margins(lgbm, xgb, X) -> dict[str, np.ndarray]:
    """Margins (log-odds) straight from the libraries."""
    import xgboost

    X = np.asarray(X, dtype=np.float64)
    return {
        "lightgbm": np.asarray(lgbm.predict(X, raw_score=True), dtype=np.float64),
        "xgboost": np.asarray(
            xgb.predict(xgboost.DMatrix(X, missing=np.nan, feature_names=xgb.feature_names), output_margin=True),
            dtype=np.float64,
        ),
    }


def run_onnx(onnx_bytes: bytes, X, threads: int = 0) -> dict[str, np.ndarray]:
    """All outputs of model.onnx for a double [N, F] input, by name (onnxruntime CPU)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
    outputs = session.run(None, {"features": np.ascontiguousarray(X, dtype=np.float64)})
    return {o.name: v for o, v in zip(session.get_outputs(), outputs)}


def verify_bundle_models(
    trees_doc: dict,
    onnx_bytes: bytes,
    lgbm,
    xgb,
    weights: dict[str, float],
    X,
    *,
    edge_rows: bool = True,
    seed: int = 0,
    tolerances: dict[str, float] | None = None,
    threads: int = 0,
) -> dict:
    """Max abs errors of trees.json (reference evaluator) and model.onnx (onnxruntime) vs native.

    Rows tested: ``X`` plus, unless edge_rows=False, ``make_edge_rows``.  Raises
    BundleVerificationError listing every quantity above its tolerance (DEFAULT_TOLERANCES,
    overridden by ``tolerances``).
    """
    tol = {**DEFAULT_TOLERANCES, **(tolerances or {})}
    X = np.asarray(X, dtype=np.float64)
    rows = np.vstack([X, make_edge_rows(trees_doc, X, np.random.default_rng(seed))]) if edge_rows else X
    native = native_margins(lgbm, xgb, rows)
    blended = sum(float(weights[name]) * native[name] for name in ("lightgbm", "xgboost"))
    onnx_out = run_onnx(onnx_bytes, rows, threads)
    err = lambda a, b: float(np.max(np.abs(np.asarray(a, dtype=np.float64) - b))) if len(b) else 0.0
    report = {
        "reference_margin_lightgbm": err(evaluate_trees(trees_doc, "lightgbm", rows), native["lightgbm"]),
        "reference_margin_xgboost": err(evaluate_trees(trees_doc, "xgboost", rows), native["xgboost"]),
        "onnx_margin_lightgbm": err(onnx_out["margin_lightgbm"], native["lightgbm"]),
        "onnx_margin_xgboost": err(onnx_out["margin_xgboost"], native["xgboost"]),
        "onnx_margin": err(onnx_out["margin"], blended),
        "onnx_probability": err(onnx_out["probability"], sigmoid(blended)),
    }
    report["rows"] = {
        "total": len(rows),
        "data": len(X),
        "edge": len(rows) - len(X),
        "with_nan": int(np.isnan(rows).any(axis=1).sum()),
        "on_threshold": count_rows_on_thresholds(trees_doc, rows),
        "trees": {m["name"]: len(m["trees"]) for m in trees_doc["models"]},
    }
    failures = [f"{k}: {report[k]:.3g} > {tol[k]:.3g}" for k in DEFAULT_TOLERANCES if report[k] > tol[k]]
    if failures:
        raise BundleVerificationError("bundle disagrees with native models: " + "; ".join(failures))
    return report


__all__ = [
    "DEFAULT_TOLERANCES",
    "BundleVerificationError",
    "count_rows_on_thresholds",
    "make_edge_rows",
    "native_margins",
    "run_onnx",
    "verify_bundle_models",
]
