"""trees.json export, reference evaluator, ONNX graph and bundle verification vs native LightGBM/XGBoost."""

from __future__ import annotations

import json

import lightgbm as lgb
import numpy as np
import onnx
import pytest
import xgboost as xgb
from fraudmodels.bundle.onnx_graph import build_onnx, onnxmltools_baseline
from fraudmodels.bundle.trees import UnsupportedModelError, dumps, evaluate_trees, export_trees, get_model, sigmoid
from fraudmodels.bundle.verify import (
    BundleVerificationError,
    count_rows_on_thresholds,
    make_edge_rows,
    native_margins,
    run_onnx,
    verify_bundle_models,
)

N_ROWS, N_FEATURES, N_TREES = 2000, 6, 20
NAMES = ["amount", "velocity_1h", "merchant_risk", "zeros_mass", "age_days", "hour"]
WEIGHTS = {"lightgbm": 0.6, "xgboost": 0.4}


def _data(seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic data: NaNs in features 0 and 2 only, a zero-heavy feature 3, label depends on NaN-ness."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_ROWS, N_FEATURES))
    X[:, 0] = np.exp(X[:, 0] * 1.5) * 100.0  # amount-like, large magnitude
    X[rng.random(N_ROWS) < 0.15, 0] = np.nan
    X[rng.random(N_ROWS) < 0.10, 2] = np.nan
    X[rng.random(N_ROWS) < 0.40, 3] = 0.0
    X[:, 5] = rng.integers(0, 24, N_ROWS)  # integer-valued
    logit = (
        np.log1p(np.nan_to_num(X[:, 0], nan=50.0))
        - 4.5
        + X[:, 1]
        + 0.8 * np.isnan(X[:, 2])
        + 0.7 * (X[:, 3] > 0)
        - 0.5 * (X[:, 5] > 12)
    )
    y = (rng.random(N_ROWS) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


@pytest.fixture(scope="module")
def bundle():
    """Tiny trained models, their trees.json (after a JSON round trip) and model.onnx bytes."""
    X, y = _data()
    lgbm = lgb.train(
        {
            "objective": "binary",
            "num_leaves": 15,
            "learning_rate": 0.2,
            "seed": 1,
            "deterministic": True,
            "num_threads": 1,
            "verbose": -1,
        },
        lgb.Dataset(X, y, feature_name=NAMES),
        num_boost_round=N_TREES,
    )
    xgbm = xgb.train(
        {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 4, "eta": 0.3, "seed": 1, "nthread": 1},
        xgb.DMatrix(X, y, missing=np.nan, feature_names=NAMES),
        num_boost_round=N_TREES,
    )
    doc = export_trees(lgbm, xgbm, NAMES)
    text = dumps(doc)
    loaded = json.loads(text)
    onnx_bytes = build_onnx(loaded, WEIGHTS).SerializeToString()
    rng = np.random.default_rng(3)
    X_test, _ = _data(seed=11)
    edges = make_edge_rows(loaded, X, rng)
    return {
        "X": X,
        "X_test": X_test,
        "edges": edges,
        "lgbm": lgbm,
        "xgb": xgbm,
        "doc": doc,
        "text": text,
        "loaded": loaded,
        "onnx": onnx_bytes,
    }


def _rows(bundle) -> np.ndarray:
    """Random test rows followed by edge rows."""
    return np.vstack([bundle["X_test"], bundle["edges"]])


def test_document_shape(bundle):
    doc = bundle["loaded"]
    assert doc["format"] == "fraudscore-trees/1" and doc["features"] == NAMES
    assert [m["name"] for m in doc["models"]] == ["lightgbm", "xgboost"]
    for model in doc["models"]:
        assert len(model["trees"]) == N_TREES
        for tree in model["trees"]:
            n = len(tree["feature"])
            assert all(len(tree[k]) == n for k in ("threshold", "left", "right", "missingGoesLeft", "value", "cover"))
            internal = [i for i, f in enumerate(tree["feature"]) if f >= 0]
            assert all(tree["left"][i] > i and tree["right"][i] > i for i in internal)  # pre-order
            assert sorted(c for i in internal for c in (tree["left"][i], tree["right"][i])) == list(range(1, n))
    lgb_model, xgb_model = get_model(doc, "lightgbm"), get_model(doc, "xgboost")
    assert lgb_model["baseScore"] == 0.0
    f32 = [v for t in xgb_model["trees"] for k in ("threshold", "value", "cover") for v in t[k]]
    assert all(float(np.float32(v)) == v for v in f32 + [xgb_model["baseScore"]])


def test_both_lightgbm_missing_types_occur(bundle):
    kinds = set()

    def walk(node):
        if "split_index" in node:
            kinds.add(node["missing_type"])
            walk(node["left_child"]), walk(node["right_child"])

    for info in bundle["lgbm"].dump_model()["tree_info"]:
        walk(info["tree_structure"])
    assert {"None", "NaN"} <= kinds
    missing_left = {
        v
        for t in get_model(bundle["loaded"], "lightgbm")["trees"]
        for f, v in zip(t["feature"], t["missingGoesLeft"])
        if f >= 0
    }
    assert missing_left == {0, 1}


def test_json_round_trip_preserves_thresholds_bit_exactly(bundle):
    for before, after in zip(bundle["doc"]["models"], bundle["loaded"]["models"]):
        for t0, t1 in zip(before["trees"], after["trees"]):
            for key in ("threshold", "value"):
                a, b = np.asarray(t0[key], dtype=np.float64), np.asarray(t1[key], dtype=np.float64)
                assert np.array_equal(a.view(np.uint64), b.view(np.uint64))
    assert dumps(bundle["loaded"]) == bundle["text"]


def test_lightgbm_thresholds_match_model_text(bundle):
    """dump_model() thresholds equal the ones in LightGBM's own model file, read independently."""
    text = bundle["lgbm"].model_to_string()
    from_text = sorted(
        float(v) for line in text.splitlines() if line.startswith("threshold=") for v in line.split("=", 1)[1].split()
    )
    ours = sorted(
        t
        for tree in get_model(bundle["loaded"], "lightgbm")["trees"]
        for f, t in zip(tree["feature"], tree["threshold"])
        if f >= 0
    )
    assert np.array_equal(np.asarray(ours).view(np.uint64), np.asarray(from_text).view(np.uint64))


def test_edge_rows_hit_thresholds(bundle):
    edges = bundle["edges"]
    assert count_rows_on_thresholds(bundle["loaded"], edges) > len(edges) // 4
    assert np.isnan(edges).all(axis=1).any() and np.isnan(edges).any(axis=0).all()


def test_reference_evaluator_matches_native(bundle):
    rows = _rows(bundle)
    native = native_margins(bundle["lgbm"], bundle["xgb"], rows)
    lgb_ref = evaluate_trees(bundle["loaded"], "lightgbm", rows)
    xgb_ref = evaluate_trees(bundle["loaded"], "xgboost", rows)
    assert np.max(np.abs(lgb_ref - native["lightgbm"])) <= 1e-12
    assert np.max(np.abs(xgb_ref - native["xgboost"])) <= 1e-6
    assert np.array_equal(xgb_ref, native["xgboost"])  # float32 accumulation in XGBoost's order: bit-exact


def test_edge_rows_need_the_exact_semantics(bundle):
    """Sanity check of the fixtures: comparing XGBoost splits in double would change margins on edge rows."""
    doc = bundle["loaded"]
    as_double = dict(get_model(doc, "xgboost"), inputType="float64")
    wrong = evaluate_trees(dict(doc, models=[as_double]), "xgboost", bundle["edges"])
    native = native_margins(bundle["lgbm"], bundle["xgb"], bundle["edges"])["xgboost"]
    assert (wrong != native).sum() > 0


def test_onnx_graph_contract(bundle):
    model = onnx.load_from_string(bundle["onnx"])
    assert {o.domain: o.version for o in model.opset_import} == {"": 13, "ai.onnx.ml": 5}
    assert model.producer_name == "fraudmodels"
    assert [i.name for i in model.graph.input] == ["features"]
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    assert [o.name for o in model.graph.output] == ["margin_lightgbm", "margin_xgboost", "margin", "probability"]
    ops = [n.op_type for n in model.graph.node]
    assert ops.count("TreeEnsemble") == 2 and "Sigmoid" in ops
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["weights"]) == WEIGHTS and json.loads(meta["features"]) == NAMES


@pytest.mark.parametrize("threads", [1, 0])
def test_onnxruntime_matches_native(bundle, threads):
    rows = _rows(bundle)
    native = native_margins(bundle["lgbm"], bundle["xgb"], rows)
    out = run_onnx(bundle["onnx"], rows, threads=threads)
    blended = WEIGHTS["lightgbm"] * native["lightgbm"] + WEIGHTS["xgboost"] * native["xgboost"]
    assert all(v.dtype == np.float64 and v.shape == (len(rows),) for v in out.values())
    assert np.max(np.abs(out["margin_lightgbm"] - native["lightgbm"])) <= 1e-9
    assert np.max(np.abs(out["margin_xgboost"] - native["xgboost"])) <= 1e-6
    assert np.array_equal(out["margin_xgboost"], native["xgboost"])  # CumSum keeps XGBoost's float32 order
    assert np.max(np.abs(out["margin"] - blended)) <= 1e-9
    assert np.max(np.abs(out["probability"] - sigmoid(out["margin"]))) <= 1e-7
    single = run_onnx(bundle["onnx"], rows[:5], threads=threads)  # tiny batches take other kernel paths
    assert np.allclose(single["margin"], out["margin"][:5], rtol=0, atol=1e-12)


def test_verify_bundle_models_report_and_tolerance(bundle):
    args = (bundle["loaded"], bundle["onnx"], bundle["lgbm"], bundle["xgb"], WEIGHTS, bundle["X_test"])
    report = verify_bundle_models(*args)
    assert report["onnx_probability"] <= 1e-7 and report["reference_margin_lightgbm"] <= 1e-12
    assert report["rows"]["edge"] > 0 and report["rows"]["with_nan"] > 0 and report["rows"]["on_threshold"] > 0
    with pytest.raises(BundleVerificationError, match="onnx_margin"):
        verify_bundle_models(*args[:4], {"lightgbm": 0.5, "xgboost": 0.5}, args[5], edge_rows=False)


def _lgbm(X, y, params, **dataset_kw):
    """Small LightGBM booster with extra params."""
    return lgb.train(
        {"objective": "binary", "num_leaves": 8, "verbose": -1, "seed": 1, **params},
        lgb.Dataset(X, y, **dataset_kw),
        num_boost_round=3,
    )


def test_unsupported_lightgbm_modes_raise(bundle):
    X, y = _data()
    Xc = X.copy()
    Xc[:, 5] = Xc[:, 5] % 6
    yc = np.isin(Xc[:, 5], [1, 4]).astype(int)  # only a categorical split on feature 5 explains yc
    with pytest.raises(UnsupportedModelError, match=r"tree \d+ node split_index=\d+: categorical"):
        export_trees(_lgbm(Xc, yc, {}, categorical_feature=[5]), bundle["xgb"], NAMES)
    with pytest.raises(UnsupportedModelError, match=r"tree \d+ node split_index=\d+: missing_type 'Zero'"):
        export_trees(_lgbm(X, y, {"zero_as_missing": True}), bundle["xgb"], NAMES)


def test_unsupported_objectives_and_names_raise(bundle):
    X, y = _data()
    with pytest.raises(UnsupportedModelError, match="binary sigmoid:1"):
        export_trees(_lgbm(X, y, {"objective": "regression"}), bundle["xgb"], NAMES)
    with pytest.raises(UnsupportedModelError, match="binary:logistic"):
        export_trees(bundle["lgbm"], xgb.train({"objective": "binary:logitraw"}, xgb.DMatrix(X, y), 2), NAMES)
    with pytest.raises(UnsupportedModelError, match="feature names"):
        export_trees(bundle["lgbm"], bundle["xgb"], NAMES[::-1])


def test_onnxmltools_baseline_is_float32(bundle):
    report = onnxmltools_baseline(bundle["lgbm"], bundle["xgb"], _rows(bundle), WEIGHTS)
    assert report["rows"] == len(_rows(bundle))
    assert report["lightgbm_rows_with_different_leaf_path"] > 0  # float32 thresholds move edge rows
    assert report["lightgbm_margin_max_abs_err"] > 1e-9
