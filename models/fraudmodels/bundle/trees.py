"""Export the LightGBM + XGBoost ensemble to ``trees.json`` and evaluate it exactly.

``trees.json`` (format ``fraudscore-trees/1``, see docs/trees-and-onnx.md) is the single
source of truth for the tree structure: the ONNX graph is built from it, and the
TypeScript evaluator / TreeSHAP read it.  Every number is a JSON double; float32
quantities are stored as the double holding exactly that float32 value, so
``Math.fround`` / ``np.float32`` is lossless on them.
"""

from __future__ import annotations

import json
import math

import numpy as np

FORMAT = "fraudscore-trees/1"

# LightGBM's kZeroThreshold (1e-35f): its C API turns |x| <= this into 0.0 before prediction.
LGBM_ZERO_THRESHOLD = float(np.float32(1e-35))


class UnsupportedModelError(ValueError):
    """The booster uses a feature the exporter (and the downstream evaluators) do not implement."""


# ---------------------------------------------------------------------------------------------
# shared helpers


def _new_tree() -> dict:
    """Empty structure-of-arrays tree."""
    return {k: [] for k in ("feature", "threshold", "left", "right", "missingGoesLeft", "value", "cover")}


def _append_node(tree: dict, feature: int, threshold: float, missing_left: int, value: float, cover: float) -> int:
    """Append a node (children filled in later) and return its index."""
    tree["feature"].append(feature)
    tree["threshold"].append(threshold)
    tree["left"].append(-1)
    tree["right"].append(-1)
    tree["missingGoesLeft"].append(missing_left)
    tree["value"].append(value)
    tree["cover"].append(cover)
    return len(tree["feature"]) - 1


def _preorder(root, visit, children) -> dict:
    """Flatten a tree in pre-order (node 0 = root, left subtree before right subtree).

    visit(node, tree) appends the node and returns its index; children(node) returns
    (left, right) or None for a leaf.  Iterative, so deep trees cannot hit the recursion limit.
    """
    tree = _new_tree()
    stack = [(root, -1, "")]
    while stack:
        node, parent, side = stack.pop()
        idx = visit(node, tree)
        if parent >= 0:
            tree[side][parent] = idx
        kids = children(node)
        if kids is not None:
            stack.append((kids[1], idx, "right"))
            stack.append((kids[0], idx, "left"))
    return tree


def _check_feature_names(model_names, feature_names: list[str], library: str, default_prefix: str | None) -> None:
    """Fail unless the booster's own feature names (when it has real ones) match ``feature_names``."""
    if not model_names:
        return
    if default_prefix and list(model_names) == [f"{default_prefix}{i}" for i in range(len(model_names))]:
        return
    if list(model_names) != list(feature_names):
        raise UnsupportedModelError(f"{library}: booster feature names {list(model_names)} != {list(feature_names)}")


# ---------------------------------------------------------------------------------------------
# LightGBM


def _lgbm_missing_left(node: dict, where: str) -> int:
    """LightGBM NumericalDecision: direction of NaN at a numerical split; raise on unsupported modes."""
    if node.get("decision_type") != "<=":
        raise UnsupportedModelError(
            f"lightgbm {where}: categorical split (decision_type {node.get('decision_type')!r}) is not supported"
        )
    missing = node.get("missing_type")
    if missing == "NaN":
        return int(bool(node["default_left"]))
    if missing == "None":
        return int(0.0 <= float(node["threshold"]))  # NaN is replaced by 0.0, then compared
    if missing == "Zero":
        raise UnsupportedModelError(f"lightgbm {where}: missing_type 'Zero' (zero_as_missing=True) is not supported")
    raise UnsupportedModelError(f"lightgbm {where}: unknown missing_type {missing!r}")


def _lgbm_tree(info: dict, n_features: int) -> dict:
    """Flatten one LightGBM dump_model() tree."""
    t = info["tree_index"]

    def visit(node: dict, tree: dict) -> int:
        if "leaf_value" in node:  # leaf (a single-leaf tree has no leaf_count: cover 0)
            if "leaf_coeff" in node or node.get("is_linear"):
                raise UnsupportedModelError(f"lightgbm tree {t}: linear trees are not supported")
            return _append_node(tree, -1, 0.0, 0, float(node["leaf_value"]), float(node.get("leaf_count", 0)))
        where = f"tree {t} node split_index={node['split_index']}"
        feature = int(node["split_feature"])
        if not 0 <= feature < n_features:
            raise UnsupportedModelError(f"lightgbm {where}: feature {feature} out of range")
        missing_left = _lgbm_missing_left(node, where)  # raises on categorical / zero-as-missing first
        return _append_node(
            tree,
            feature,
            float(node["threshold"]),
            missing_left,
            float(node["internal_value"]),
            float(node["internal_count"]),
        )

    def children(node: dict):
        return None if "leaf_value" in node else (node["left_child"], node["right_child"])

    tree = _preorder(info["tree_structure"], visit, children)
    if info.get("num_cat", 0):  # unreachable unless the dump format changes: categorical nodes raise above
        raise UnsupportedModelError(
            f"lightgbm tree {t}: categorical splits (num_cat={info['num_cat']}) are not supported"
        )
    return tree


def export_lightgbm(booster, feature_names: list[str]) -> dict:
    """Model entry for a LightGBM binary booster (trees as used by predict(), i.e. best_iteration if set)."""
    import lightgbm

    dump = booster.dump_model()
    objective = str(dump.get("objective", ""))
    parts = objective.split()
    if parts[:1] != ["binary"] or any(p.startswith("sigmoid:") and p != "sigmoid:1" for p in parts):
        raise UnsupportedModelError(f"lightgbm: objective {objective!r} is not 'binary sigmoid:1'")
    if dump.get("num_tree_per_iteration", 1) != 1 or dump.get("num_class", 1) != 1:
        raise UnsupportedModelError("lightgbm: only single-output binary models are supported")
    if dump.get("average_output"):
        raise UnsupportedModelError("lightgbm: average_output (random forest mode) is not supported")
    if dump["max_feature_idx"] + 1 != len(feature_names):
        raise UnsupportedModelError(
            f"lightgbm: model has {dump['max_feature_idx'] + 1} features, {len(feature_names)} names given"
        )
    _check_feature_names(dump.get("feature_names"), feature_names, "lightgbm", "Column_")
    return {
        "name": "lightgbm",
        "library": "lightgbm",
        "libraryVersion": lightgbm.__version__,
        "objective": "binary",
        "baseScore": 0.0,  # boost_from_average lives in tree 0's leaves
        "inputType": "float64",
        "zeroThreshold": LGBM_ZERO_THRESHOLD,
        "comparison": "<=",
        "thresholdType": "float64",
        "leafType": "float64",
        "sumType": "float64",
        "coverType": "count",
        "trees": [_lgbm_tree(info, len(feature_names)) for info in dump["tree_info"]],
    }


# ---------------------------------------------------------------------------------------------
# XGBoost


def _f32(text_or_number) -> float:
    """Exact float32 value of a number XGBoost wrote in shortest float32 form, as a double."""
    value = float(text_or_number)
    as32 = np.float32(value)
    # double rounding guard: the float32 we picked must print back as the same decimal
    if not (math.isnan(value) or float(np.format_float_scientific(as32, unique=True)) == value):
        raise UnsupportedModelError(f"xgboost: {text_or_number!r} is not a shortest float32 repr")
    return float(as32)


def _xgb_base_margin(base_score: str) -> float:
    """XGBoost ProbToMargin for binary:logistic: -log(1/p - 1) in float32, p stored like '[5E-1]'."""
    parts = [s for s in str(base_score).strip().strip("[]").split(",") if s.strip()]
    if len(parts) != 1:
        raise UnsupportedModelError(f"xgboost: base_score {base_score!r} is not a single value")
    p = np.float32(_f32(parts[0]))
    if not 0.0 < p < 1.0:
        raise UnsupportedModelError(f"xgboost: base_score {base_score!r} is not a probability in (0, 1)")
    ratio = np.float32(np.float32(1.0) / p - np.float32(1.0))
    return float(np.float32(-math.log(float(ratio))))  # double log rounded once == correctly rounded logf


def _xgb_tree(raw: dict, t: int, n_features: int) -> dict:
    """Flatten one tree of XGBoost's JSON model (reachable nodes only, pre-order)."""
    param = raw.get("tree_param", {})
    if int(param.get("size_leaf_vector", "1") or 1) > 1:
        raise UnsupportedModelError(f"xgboost tree {t}: multi-target leaves are not supported")
    if raw.get("categories_nodes") or any(int(s) != 0 for s in raw.get("split_type", [])):
        raise UnsupportedModelError(f"xgboost tree {t}: categorical splits are not supported")
    left, right = raw["left_children"], raw["right_children"]
    cond, feat, dleft = raw["split_conditions"], raw["split_indices"], raw["default_left"]
    weights, hess = raw["base_weights"], raw["sum_hessian"]

    def visit(nid: int, tree: dict) -> int:
        if left[nid] == -1:  # leaf: the predictor returns split_conditions (LeafValue)
            return _append_node(tree, -1, 0.0, 0, _f32(cond[nid]), _f32(hess[nid]))
        if not 0 <= int(feat[nid]) < n_features:
            raise UnsupportedModelError(f"xgboost tree {t} node {nid}: feature {feat[nid]} out of range")
        return _append_node(
            tree, int(feat[nid]), _f32(cond[nid]), int(bool(dleft[nid])), _f32(weights[nid]), _f32(hess[nid])
        )

    return _preorder(0, visit, lambda nid: None if left[nid] == -1 else (left[nid], right[nid]))


def export_xgboost(booster, feature_names: list[str]) -> dict:
    """Model entry for an XGBoost binary:logistic gbtree booster (all trees, as predict() uses)."""
    import xgboost

    learner = json.loads(bytes(booster.save_raw("json")))["learner"]
    objective = learner["objective"]["name"]
    if objective != "binary:logistic":
        raise UnsupportedModelError(f"xgboost: objective {objective!r} is not 'binary:logistic'")
    gb = learner["gradient_booster"]
    if gb["name"] != "gbtree":
        raise UnsupportedModelError(f"xgboost: booster {gb['name']!r} is not 'gbtree'")
    params = learner["learner_model_param"]
    if int(params["num_feature"]) != len(feature_names):
        raise UnsupportedModelError(
            f"xgboost: model has {params['num_feature']} features, {len(feature_names)} names given"
        )
    if int(params.get("num_target", "1")) > 1 or int(params.get("num_class", "0")) > 1:
        raise UnsupportedModelError("xgboost: multi-output models are not supported")
    _check_feature_names(learner.get("feature_names"), feature_names, "xgboost", None)
    model = gb["model"]
    if any(int(g) != 0 for g in model.get("tree_info", [])):
        raise UnsupportedModelError("xgboost: trees for more than one output group")
    return {
        "name": "xgboost",
        "library": "xgboost",
        "libraryVersion": xgboost.__version__,
        "objective": "binary",
        "baseScore": _xgb_base_margin(params["base_score"]),
        "inputType": "float32",
        "zeroThreshold": None,
        "comparison": "<",
        "thresholdType": "float32",
        "leafType": "float32",
        "sumType": "float32",
        "coverType": "hessian",
        "trees": [_xgb_tree(raw, t, len(feature_names)) for t, raw in enumerate(model["trees"])],
    }


# ---------------------------------------------------------------------------------------------
# document


def export_trees(lgbm, xgb, feature_names: list[str]) -> dict:
    """Build the trees.json document for the LightGBM + XGBoost ensemble."""
    names = [str(n) for n in feature_names]
    if len(set(names)) != len(names):
        raise ValueError("feature names must be unique")
    return {"format": FORMAT, "features": names, "models": [export_lightgbm(lgbm, names), export_xgboost(xgb, names)]}


def dumps(doc: dict) -> str:
    """Serialise deterministically (Python writes the shortest repr that round-trips each double)."""
    return json.dumps(doc, sort_keys=False, separators=(",", ":"), allow_nan=False)


def get_model(doc: dict, name: str) -> dict:
    """The model entry called ``name``."""
    for model in doc["models"]:
        if model["name"] == name:
            return model
    raise KeyError(f"no model {name!r} in trees document")


# ---------------------------------------------------------------------------------------------
# reference evaluator


def prepare_input(model: dict, X) -> np.ndarray:
    """Feature values as the model compares them: float32 rounding and/or LightGBM's zero rule."""
    X = np.asarray(X, dtype=np.float64)
    if model["inputType"] == "float32":
        X = X.astype(np.float32)
    elif model["inputType"] != "float64":
        raise UnsupportedModelError(f"unknown inputType {model['inputType']!r}")
    if model.get("zeroThreshold") is not None:
        X = np.where(np.abs(X) <= model["zeroThreshold"], 0.0, X).astype(X.dtype)
    return X


def tree_leaves(tree: dict, model: dict, Xp: np.ndarray) -> np.ndarray:
    """Leaf node index reached by each row of a prepared matrix (see ``prepare_input``)."""
    dtype = Xp.dtype
    feature = np.asarray(tree["feature"], dtype=np.int64)
    threshold = np.asarray(tree["threshold"], dtype=dtype)
    left, right = np.asarray(tree["left"]), np.asarray(tree["right"])
    missing_left = np.asarray(tree["missingGoesLeft"], dtype=bool)
    less = np.less_equal if model["comparison"] == "<=" else np.less
    node = np.zeros(len(Xp), dtype=np.int64)
    active = np.flatnonzero(feature[node] >= 0)
    while active.size:
        cur = node[active]
        x = Xp[active, feature[cur]]
        go_left = np.where(np.isnan(x), missing_left[cur], less(x, threshold[cur]))
        node[active] = np.where(go_left, left[cur], right[cur])
        active = active[feature[node[active]] >= 0]
    return node


def evaluate_trees(doc: dict, model_name: str, X) -> np.ndarray:
    """Margins (log-odds) of one model: baseScore, then each tree's leaf added in order in sumType."""
    model = get_model(doc, model_name)
    Xp = prepare_input(model, X)
    acc_type = np.float32 if model["sumType"] == "float32" else np.float64
    acc = np.full(len(Xp), model["baseScore"], dtype=acc_type)
    for tree in model["trees"]:
        leaf_value = np.asarray(tree["value"], dtype=acc_type)
        acc = (acc + leaf_value[tree_leaves(tree, model, Xp)]).astype(acc_type)
    return acc.astype(np.float64)


def sigmoid(margin) -> np.ndarray:
    """Logistic function in double, stable for large |margin|."""
    m = np.asarray(margin, dtype=np.float64)
    e = np.exp(-np.abs(m))
    return np.where(m >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
