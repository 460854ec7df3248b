"""Build ``model.onnx`` (both tree ensembles + the log-odds blend) from a trees.json document.

Graph (see docs/trees-and-onnx.md):
  features (double [N, F])
    LightGBM: zero rule (|x| <= 1e-35f -> 0) -> TreeEnsemble<double> (BRANCH_LEQ, 1 target) + baseScore
    XGBoost : Cast float -> TreeEnsemble<float> (BRANCH_LT, one target per tree) -> Pad baseScore in
              front -> CumSum along trees (sequential float32 sum, exactly XGBoost's order) -> last column
  margin = w_lightgbm * margin_lightgbm + w_xgboost * margin_xgboost ; probability = Sigmoid(margin)
"""

from __future__ import annotations

import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .trees import FORMAT, get_model

OPSET_AI_ONNX = 13  # Abs, LessOrEqual, Where, Cast, Pad, CumSum, Gather, Add, Mul, Squeeze, Sigmoid
OPSET_AI_ONNX_ML = 5  # TreeEnsemble
IR_VERSION = 10  # first IR version that carries ai.onnx.ml opset 5
BRANCH_LEQ, BRANCH_LT = 0, 1
MODEL_NAMES = ("lightgbm", "xgboost")
_NP_TYPE = {"float64": np.float64, "float32": np.float32}


def _tree_ensemble_node(model: dict, x: str, out: str, per_tree_targets: bool) -> onnx.NodeProto:
    """ai.onnx.ml TreeEnsemble (opset 5) over every tree of a trees.json model entry.

    Splits and leaf weights use the model's sumType (the input ``x`` must have that type).
    per_tree_targets: tree t writes target t (output [N, T]) instead of all trees summing into [N, 1].
    """
    dtype = _NP_TYPE[model["sumType"]]
    mode = {"<=": BRANCH_LEQ, "<": BRANCH_LT}[model["comparison"]]
    feat, split, true_id, true_leaf, false_id, false_leaf, miss = [], [], [], [], [], [], []
    leaf_w, leaf_target, roots = [], [], []

    for t, tree in enumerate(model["trees"]):
        internal = [i for i, f in enumerate(tree["feature"]) if f >= 0]
        leaves = [i for i, f in enumerate(tree["feature"]) if f < 0]
        ids = {i: len(leaf_w) + k for k, i in enumerate(leaves)}  # local node -> global leaf id
        ids.update({i: len(feat) + k for k, i in enumerate(internal)})  # local node -> global node id
        leaf_w.extend(tree["value"][i] for i in leaves)
        leaf_target.extend([t if per_tree_targets else 0] * len(leaves))
        if not internal:  # single-leaf tree: a dummy split whose both branches reach the leaf
            roots.append(len(feat))
            feat.append(0), split.append(0.0), miss.append(0)
            true_id.append(ids[0]), true_leaf.append(1), false_id.append(ids[0]), false_leaf.append(1)
            continue
        roots.append(ids[0])
        for i in internal:  # the comparison being true means "go left"
            left, right = tree["left"][i], tree["right"][i]
            feat.append(tree["feature"][i])
            split.append(tree["threshold"][i])
            miss.append(tree["missingGoesLeft"][i])  # NaN takes the "true" branch iff it goes left
            true_id.append(ids[left]), true_leaf.append(int(tree["feature"][left] < 0))
            false_id.append(ids[right]), false_leaf.append(int(tree["feature"][right] < 0))

    return helper.make_node(
        "TreeEnsemble",
        [x],
        [out],
        name=f"trees_{model['name']}",
        domain="ai.onnx.ml",
        aggregate_function=1,
        post_transform=0,
        tree_roots=roots,
        n_targets=len(model["trees"]) if per_tree_targets else 1,
        nodes_featureids=feat,
        nodes_truenodeids=true_id,
        nodes_trueleafs=true_leaf,
        nodes_falsenodeids=false_id,
        nodes_falseleafs=false_leaf,
        nodes_missing_value_tracks_true=miss,
        nodes_modes=numpy_helper.from_array(np.full(len(feat), mode, dtype=np.uint8), "nodes_modes"),
        nodes_splits=numpy_helper.from_array(np.asarray(split, dtype=dtype), "nodes_splits"),
        leaf_targetids=leaf_target,
        leaf_weights=numpy_helper.from_array(np.asarray(leaf_w, dtype=dtype), "leaf_weights"),
    )


def _const(name: str, value, dtype=np.float64) -> onnx.TensorProto:
    """Initializer holding a small constant."""
    return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)


def _check_model_entry(model: dict) -> None:
    """Fail on a trees.json model entry whose semantics this graph builder does not implement."""
    expected = {"float64": ("float64", "float64", "<="), "float32": ("float32", "float32", "<")}
    key = (model["thresholdType"], model["sumType"], model["comparison"])
    if model["inputType"] not in expected or key != expected[model["inputType"]]:
        raise ValueError(
            f"model {model['name']}: unsupported combination inputType={model['inputType']}, "
            f"thresholdType/sumType/comparison={key}"
        )
    if model.get("zeroThreshold") is not None and model["inputType"] != "float64":
        raise ValueError(f"model {model['name']}: zeroThreshold is only supported with float64 input")


def _model_branch(model: dict, nodes: list, inits: list) -> str:
    """Nodes computing one model's margin, double [N], from ``features``; returns the output name."""
    _check_model_entry(model)
    name, x = model["name"], "features"
    if model.get("zeroThreshold") is not None:  # LightGBM: |x| <= 1e-35f is read as 0.0
        inits += [_const(f"{name}_zero_threshold", model["zeroThreshold"]), _const(f"{name}_zero", 0.0)]
        nodes.append(helper.make_node("Abs", [x], [f"{name}_abs"]))
        nodes.append(helper.make_node("LessOrEqual", [f"{name}_abs", f"{name}_zero_threshold"], [f"{name}_is_zero"]))
        nodes.append(helper.make_node("Where", [f"{name}_is_zero", f"{name}_zero", x], [f"{name}_xz"]))
        x = f"{name}_xz"
    if model["sumType"] == "float64":  # one double sum over trees; reordering by threads costs <= ~1 ulp per tree
        nodes.append(_tree_ensemble_node(model, x, f"{name}_sum", per_tree_targets=False))
        inits.append(_const(f"{name}_base_score", [[model["baseScore"]]]))
        nodes.append(helper.make_node("Add", [f"{name}_sum", f"{name}_base_score"], [f"{name}_margin2d"]))
        nodes.append(helper.make_node("Squeeze", [f"{name}_margin2d", "axis1"], [f"margin_{name}"]))
        return f"margin_{name}"
    # float32 sum in XGBoost's order: per-tree leaf values, base in front, sequential CumSum, last column
    nodes.append(helper.make_node("Cast", [x], [f"{name}_x32"], to=TensorProto.FLOAT))
    nodes.append(_tree_ensemble_node(model, f"{name}_x32", f"{name}_leaves", per_tree_targets=True))
    inits += [
        _const(f"{name}_pads", [0, 1, 0, 0], np.int64),  # one column in front of axis 1
        _const(f"{name}_base_score", model["baseScore"], np.float32),
        _const(f"{name}_last", len(model["trees"]), np.int64),
    ]
    nodes.append(helper.make_node("Pad", [f"{name}_leaves", f"{name}_pads", f"{name}_base_score"], [f"{name}_terms"]))
    nodes.append(helper.make_node("CumSum", [f"{name}_terms", "axis1_scalar"], [f"{name}_partial"]))
    nodes.append(helper.make_node("Gather", [f"{name}_partial", f"{name}_last"], [f"{name}_margin32"], axis=1))
    nodes.append(helper.make_node("Cast", [f"{name}_margin32"], [f"margin_{name}"], to=TensorProto.DOUBLE))
    return f"margin_{name}"


def build_onnx(trees_doc: dict, weights: dict[str, float]) -> onnx.ModelProto:
    """One ONNX graph: input ``features`` double [N, F]; outputs margin_lightgbm, margin_xgboost,
    margin (weighted log-odds sum) and probability (Sigmoid of margin), all double [N]."""
    if trees_doc.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} document")
    if set(weights) != set(MODEL_NAMES):
        raise ValueError(f"weights must have exactly the keys {MODEL_NAMES}, got {sorted(weights)}")
    n_features = len(trees_doc["features"])
    nodes, inits = [], [_const("axis1", [1], np.int64), _const("axis1_scalar", 1, np.int64)]
    margins = [_model_branch(get_model(trees_doc, name), nodes, inits) for name in MODEL_NAMES]
    for name, m in zip(MODEL_NAMES, margins):
        inits.append(_const(f"weight_{name}", float(weights[name])))
        nodes.append(helper.make_node("Mul", [m, f"weight_{name}"], [f"weighted_{name}"]))
    nodes.append(helper.make_node("Add", [f"weighted_{n}" for n in MODEL_NAMES], ["margin"]))
    nodes.append(helper.make_node("Sigmoid", ["margin"], ["probability"]))

    vec = lambda n: helper.make_tensor_value_info(n, TensorProto.DOUBLE, ["N"])
    graph = helper.make_graph(
        nodes,
        "fraudscore_ensemble",
        [helper.make_tensor_value_info("features", TensorProto.DOUBLE, ["N", n_features])],
        [vec("margin_lightgbm"), vec("margin_xgboost"), vec("margin"), vec("probability")],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        producer_name="fraudmodels",
        producer_version=_version(),
        ir_version=IR_VERSION,
        opset_imports=[helper.make_opsetid("", OPSET_AI_ONNX), helper.make_opsetid("ai.onnx.ml", OPSET_AI_ONNX_ML)],
        doc_string=(
            "Fraud-score ensemble: margin = sum_m weight_m * margin_m (log-odds), probability = "
            "sigmoid(margin). Built from trees.json (format fraudscore-trees/1) by fraudmodels."
        ),
    )
    meta = {
        "trees_format": FORMAT,
        "features": json.dumps(trees_doc["features"]),
        "weights": json.dumps({n: float(weights[n]) for n in MODEL_NAMES}),
        "libraries": json.dumps({m["name"]: f"{m['library']} {m['libraryVersion']}" for m in trees_doc["models"]}),
    }
    onnx.helper.set_model_props(model, meta)
    onnx.checker.check_model(model, full_check=True)
    return model


def _version() -> str:
    """fraudmodels package version (for producer_version)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fraudmodels")
    except PackageNotFoundError:
        return "0"


# ---------------------------------------------------------------------------------------------
# onnxmltools baseline: only to measure what the stock float32 converters lose


def onnxmltools_baseline(lgbm, xgb, X, weights: dict[str, float] | None = None) -> dict:
    """Convert both boosters with onnxmltools (float32 input, as it does) and measure the error vs native.

    Returns max abs errors of per-model probabilities and margins (margins read by switching the
    converted tree node's post_transform to NONE), of the blended probability, and the share of
    rows for which at least one LightGBM tree reaches a different leaf with float32 thresholds.
    """
    import onnxruntime as ort
    from onnxmltools import convert_lightgbm, convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType

    from .trees import export_lightgbm, prepare_input, sigmoid, tree_leaves
    from .verify import native_margins

    weights = weights or {"lightgbm": 0.6, "xgboost": 0.4}
    X = np.asarray(X, dtype=np.float64)
    n_features = X.shape[1]
    native = native_margins(lgbm, xgb, X)
    in_type = [("input", FloatTensorType([None, n_features]))]
    xgb_unnamed = xgb.copy()
    xgb_unnamed.feature_names = None  # onnxmltools only understands XGBoost feature names "f<i>"
    converted = {
        "lightgbm": convert_lightgbm(lgbm, initial_types=in_type, zipmap=False),
        "xgboost": convert_xgboost(xgb_unnamed, initial_types=in_type),
    }
    report, margin = {"rows": len(X)}, {}
    for name, proto in converted.items():
        proba = _run_proba(ort, proto, X)
        report[f"{name}_probability_max_abs_err"] = float(np.abs(proba - sigmoid(native[name])).max())
        raw = _raw_score_variant(proto)
        margin[name] = _logit(proba) if raw is None else _run_proba(ort, raw, X)
        report[f"{name}_margin_max_abs_err"] = float(np.abs(margin[name] - native[name]).max())
    blended = sum(weights[n] * native[n] for n in native)
    approx = sum(weights[n] * margin[n] for n in native)
    report["ensemble_margin_max_abs_err"] = float(np.abs(approx - blended).max())
    report["ensemble_probability_max_abs_err"] = float(np.abs(sigmoid(approx) - sigmoid(blended)).max())

    # leaf-path disagreement caused by float32 thresholds/inputs (what the converted LightGBM does)
    lgb_doc = export_lightgbm(lgbm, lgbm.feature_name())
    exact_in = prepare_input(lgb_doc, X)
    f32_model = dict(lgb_doc, inputType="float32")
    f32_in = X.astype(np.float32)
    differs = np.zeros(len(X), dtype=bool)
    for tree in lgb_doc["trees"]:
        with np.errstate(over="ignore"):  # LightGBM's +-1e300 (+-inf) thresholds become +-inf, as in onnxmltools
            t32 = dict(tree, threshold=list(np.asarray(tree["threshold"], dtype=np.float32)))
        differs |= tree_leaves(tree, lgb_doc, exact_in) != tree_leaves(t32, f32_model, f32_in)
    report["lightgbm_rows_with_different_leaf_path"] = int(differs.sum())
    report["lightgbm_share_rows_different_leaf_path"] = float(differs.mean())
    return report


def _logit(p) -> np.ndarray:
    """log(p / (1 - p)) in double."""
    p = np.asarray(p, dtype=np.float64)
    return np.log(p) - np.log1p(-p)


def _run_proba(ort, proto: onnx.ModelProto, X) -> np.ndarray:
    """Positive-class column of the converted classifier's probability output (float32 input)."""
    options = ort.SessionOptions()
    options.log_severity_level = 3  # converted graphs declare a label shape ORT warns about
    sess = ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    outs = sess.run(None, {sess.get_inputs()[0].name: np.asarray(X, dtype=np.float32)})
    probs = next(o for o in outs if getattr(o, "ndim", 0) == 2)
    return probs[:, -1].astype(np.float64)


def _raw_score_variant(proto: onnx.ModelProto) -> onnx.ModelProto | None:
    """Copy of a converted binary classifier whose tree node emits raw scores (post_transform NONE)."""
    raw = onnx.ModelProto()
    raw.CopyFrom(proto)
    trees = [n for n in raw.graph.node if n.op_type == "TreeEnsembleClassifier"]
    if len(trees) != 1:
        return None
    for attr in trees[0].attribute:
        if attr.name == "post_transform":
            attr.s = b"NONE"
    return raw


def save_onnx(model: onnx.ModelProto, path) -> None:
    """Write the model bytes."""
    with open(path, "wb") as fh:
        fh.write(model.SerializeToString())


__all__ = ["build_onnx", "onnxmltools_baseline", "save_onnx"]
