"""The benchmark report (`python -m fraudmodels evaluate`): two protocols on the handbook's data.

(a) The handbook protocol (chapter 5): prequential folds of 7 training, 7 delay and 7 test days; labels known after
    the 7-day delay; the cards known to be compromised removed from the test days. Our ensemble on the default spec's
    static features (those that read no label as known at scoring time) beside the handbook's published results and
    beside our previous model (the 15 handbook features, with the settings the previous benchmark chose on its
    validation folds), both run here.
(b) The feedback protocol: the investigation process of feedback.py replayed over each test week with the evaluated
    model's own scores (its top 100 cards a day are investigated and their labels known the next day, every other
    label after 7 days), for the static model and for the model that adds the windows over labels known at scoring
    time. Cards found compromised are blocked: from the next day on they are neither investigated nor evaluated.
    Before each test week, labels are known as the investigation history made them (a static model refitted weekly).

Every choice is made on the validation folds (training starts 2018-07-11 and the three weeks before; their test
weeks end 2018-07-31): the static model's hyperparameters (a small grid), both models' thresholds (maximum F1 on the
validation predictions, the feedback model's under the replay), and whether the feedback features pay (validation
under the replay). The test folds (training starts 2018-08-15 and the three weeks before) are only reported on; how often
earlier reports looked at them is in NOTES.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil

from . import feedback, protocol, train
from .csvio import file_sha256, read_transactions
from .dataset import _cached
from .durations import duration_ms
from .features import compute_features
from .pipeline import KNOWN_GOOD
from .progress import log
from .spec import BASELINE_SPEC_PATH, DEFAULT_SPEC_PATH, feature_names, known_at_field, load_spec, spec_hash

# Chapter 5/6 test results (mean over the 4 test folds) on the same protocol and data.
HANDBOOK_RESULTS = {
    "XGBoost (50 trees, lr 0.3, depth 3)": {
        "auc_roc": 0.872,
        "average_precision": 0.687,
        "card_precision_at_100": 0.302,
    },
    "Random forest (100 trees, depth 20)": {
        "auc_roc": 0.870,
        "average_precision": 0.678,
        "card_precision_at_100": 0.299,
    },
    "Logistic regression": {"auc_roc": 0.868, "average_precision": 0.623, "card_precision_at_100": 0.297},
}
# What earlier reports gave on the same test folds (mean over the 4 test folds): the ensemble on the 15 handbook
# features (models/reports/handbook-benchmark.json at commit 2c7de25) and on the 21 static features of the default
# spec 2.0.0 (at commit 33486f8).
PREVIOUS_REPORTS = {
    "our previous model (15 handbook features), as the report at 2c7de25 gave it": {
        "auc_roc": 0.873,
        "average_precision": 0.695,
        "card_precision_at_100": 0.301,
    },
    "our 21 static features (default spec 2.0.0), as the report at 33486f8 gave it": {
        "auc_roc": 0.878,
        "average_precision": 0.717,
        "card_precision_at_100": 0.307,
    },
}
METRICS = [
    ("auc_roc", "AUC ROC"),
    ("average_precision", "Average Precision"),
    ("card_precision_at_100", "Card Precision@100"),
]
VALIDATION_START = "2018-07-11"
TEST_START = "2018-08-15"
# A modest grid for the static model (2 shared cores), the neighbours of the previous benchmark's choices.
GRID = train.SMALL_GRIDS
SCENARIOS = {1: "amount above 220", 2: "compromised terminal", 3: "compromised card"}
# What a reader must know about how often the test weeks were looked at, and what the numbers are not.
NOTES = [
    (
        "Test weeks: every feature, hyperparameter, threshold and the decision to keep the feedback features were chosen "
        "on the validation folds (whose test weeks end 2018-07-31; the feature experiments used no data after that). But "
        "these test weeks have been looked at before. The report at 33486f8 evaluated the default spec 2.0.0 (21 static "
        "features, 27 with the feedback ones) on them; its static model missed the goals, and that is why 12 more "
        "features were sought (on the validation folds only) for spec 2.1.0: so the static model family is evaluated on "
        "these test weeks a second time, and how far the new figures clear the goals is slightly optimistic. The previous "
        "model (15 features) had been evaluated on these test weeks twice by an earlier benchmark (its grid and "
        "selection criterion were revised once after a first look, and its XGBoost base_score came from an early "
        "experiment on test weeks); this run evaluates it again, for comparison only."
    ),
    (
        "The Card Precision@100 ceiling was added to the report (2026-12-08) after the test figures of spec 2.1.0 were "
        "known, to say how far its goal is reachable with these features at all; it reads the test folds' labels and "
        "changes no choice. Adding it meant running this report again with the same code and data, so the test weeks "
        "were evaluated a third time, with nothing chosen in between."
    ),
    (
        "The feedback protocol's label times before each test week come from a simulated history whose weekly "
        "investigation models were fitted on earlier weeks, some of them test weeks of earlier folds (as the handbook's "
        "later folds train on earlier folds' test weeks); no choice depends on them."
    ),
]
AGES = [(0, 7), (7, 14), (14, 28)]


class Data:
    """The handbook file with what both protocols need: the table, day arithmetic and feature matrices."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.sha256 = file_sha256(path)
        log(f"reading {path}")
        self.table = read_transactions(path)
        self.y = self.table["label"].to_numpy()
        self.first = pd.Timestamp(int(self.table["timestamp"].iloc[0]), unit="ms").normalize()
        self.compromise_age = _compromise_age(self.table)

    def day_of(self, date: str) -> int:
        return int((pd.Timestamp(date) - self.first).days)

    def date_of(self, day: int) -> str:
        return (self.first + pd.Timedelta(days=day)).strftime("%Y-%m-%d")

    def features(self, spec: dict[str, Any], known_at: np.ndarray | None = None, key: str = "") -> np.ndarray:
        table = self.table if known_at is None else self.table.assign(**{known_at_field("label"): known_at})
        return _cached(
            f"features-{self.sha256[:16]}-{spec_hash(spec)[:16]}{key}",
            True,
            lambda: (
                log(f"computing features ({spec['name']}, {len(spec['features'])})"),
                compute_features(spec, table),
            )[1],
        )


def episode_starts(table: pd.DataFrame, scenario: int, entity: str, gap_days: int) -> pd.Series:
    """For each fraud of the scenario, when its compromise began (epoch ms): the entity's first such fraud after
    `gap_days` without one (a terminal stays compromised 28 days, a card 14 in the handbook's simulator)."""
    frauds = table.loc[table["scenario"] == scenario, [entity, "timestamp"]].sort_values(
        [entity, "timestamp"], kind="stable"
    )
    gap = frauds.groupby(entity)["timestamp"].diff()
    new = gap.isna() | (gap > gap_days * feedback.DAY_MS)
    return frauds["timestamp"].where(new).groupby(frauds[entity]).ffill().astype(np.int64)


def _compromise_age(table: pd.DataFrame) -> np.ndarray:
    """Days since the terminal's compromise began, for compromised-terminal frauds (NaN elsewhere)."""
    age = np.full(len(table), np.nan)
    starts = episode_starts(table, 2, "terminalId", 28)
    age[starts.index] = (table.loc[starts.index, "timestamp"].to_numpy() - starts.to_numpy()) / feedback.DAY_MS
    return age


def _terminal_label_windows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The spec's windows over a terminal's labels as stored (the fixed-delay ones)."""
    return [
        w
        for w in (f.get("window") for f in spec["features"])
        if w and w["entity"] == "terminalId" and w.get("field") == "label" and w.get("labels", "stored") == "stored"
    ]


def terminal_label_reach(spec: dict[str, Any]) -> tuple[int, int] | None:
    """How far back the spec's stored-label windows over a terminal read, as (nearest, farthest) ms before t: a label
    at t - x is read by some window when nearest <= x < farthest. None when no such window exists."""
    reach = [
        (duration_ms(w.get("delay", "0d")), duration_ms(w.get("delay", "0d")) + duration_ms(w["length"]))
        for w in _terminal_label_windows(spec)
    ]
    return (min(r[0] for r in reach), max(r[1] for r in reach)) if reach else None


def visible_frauds(table: pd.DataFrame, spec: dict[str, Any]) -> np.ndarray:
    """1 for the frauds a model on this spec can tell from legitimate payments, else 0. In the handbook's simulator a
    compromised terminal changes nothing but the labels (every payment there is fraud for 28 days), so its frauds are
    visible only while one of the spec's terminal label windows holds a fraud (the feature interpreter counts them,
    with the windows' own edges); the other scenarios change amounts (above 220; a card's payments five times its
    usual), which the amount features see."""
    label = table["label"].to_numpy()
    visible = label.copy()
    terminal_frauds = np.flatnonzero((label == 1) & (table["scenario"].to_numpy() == 2))
    windows = [
        {k: v for k, v in w.items() if k != "empty"} | {"aggregate": "sum"} for w in _terminal_label_windows(spec)
    ]
    if not windows:
        visible[terminal_frauds] = 0
        return visible
    counts = compute_features(
        {**spec, "features": [{"name": f"frauds{i}", "window": w} for i, w in enumerate(windows)]}, table
    )
    visible[terminal_frauds] = (counts[terminal_frauds] > 0).any(axis=1)
    return visible


def card_precision_ceiling(data: Data, visible: np.ndarray, folds: list[protocol.Fold]) -> dict[str, Any]:
    """Card Precision@100 of the ranking that puts first every card with a fraud the spec can see that day (`visible`,
    from visible_frauds) and nothing else: what a perfect model on these features would reach. Reads the folds'
    labels; no choice depends on it."""
    day, customer = data.table["day"].to_numpy(), data.table["customerId"].to_numpy()
    score = visible.astype(np.float64)
    per_fold = [
        protocol.card_precision_top_k(day[f.test], customer[f.test], data.y[f.test], score[f.test]) for f in folds
    ]
    return {"mean": float(np.mean(per_fold)), "folds": per_fold}


# ---------------------------------------------------------------------------------------------------------------
# (a) the handbook protocol


def handbook_protocol(
    data: Data,
    spec: dict[str, Any],
    baseline: dict[str, Any],
    weights: dict[str, float],
    grid: dict[str, dict[str, list]],
    with_test: bool = True,
) -> dict[str, Any]:
    validation = [
        protocol.train_test_split(data.table, d) for d in protocol.fold_starts(data.day_of(VALIDATION_START), 4)
    ]
    test = [protocol.train_test_split(data.table, d) for d in protocol.fold_starts(data.day_of(TEST_START), 4)]
    models = {}
    for name, model_spec, params in (("static", spec, None), ("previous", baseline, KNOWN_GOOD)):
        X = data.features(model_spec)
        if params is None:
            log(f"{name}: choosing hyperparameters on the validation folds")
            params = train.select_hyperparameters(data.table, X, validation, grid)
        log(f"{name}: threshold on the validation folds")
        validation_models, predictions = train.assess_ensemble(data.table, X, validation, params, weights)
        threshold = train.choose_threshold(predictions)
        if not with_test:
            models[name] = {
                "hyperparameters": params,
                "threshold": threshold,
                "validation": {m: train.summarise(folds) for m, folds in validation_models.items()},
            }
            continue
        log(f"{name}: threshold {threshold:.4f}; the test folds, once")
        per_model, predictions = train.assess_ensemble(data.table, X, test, params, weights)
        train.add_threshold_metrics(per_model["ensemble"], predictions, threshold)
        rows = np.concatenate([f.test for f in test])
        probability = np.concatenate([p[1] for p in predictions])
        models[name] = {
            "spec": {
                "name": model_spec["name"],
                "version": model_spec["version"],
                "sha256": spec_hash(model_spec),
                "features": feature_names(model_spec),
            },
            "hyperparameters": params,
            "threshold": threshold,
            "validation": {m: train.summarise(folds) for m, folds in validation_models.items()},
            "test": {m: train.summarise(folds) for m, folds in per_model.items()},
            "test_folds": per_model,
            "recall": scenario_recall(data, rows, probability >= threshold),
        }
    reach = terminal_label_reach(spec)
    visible = visible_frauds(data.table, spec)
    ceiling = {
        "terminal_label_reach_days": None if reach is None else [r / feedback.DAY_MS for r in reach],
        "validation": card_precision_ceiling(data, visible, validation),
        **({"test": card_precision_ceiling(data, visible, test)} if with_test else {}),
    }
    return {
        "protocol": {
            "source": "Fraud Detection Handbook, chapter 5 (prequential validation)",
            "folds": 4,
            "train_days": 7,
            "delay_days": 7,
            "test_days": 7,
            "validation_train_starts": [data.date_of(f.train_start_day) for f in validation],
            "test_train_starts": [data.date_of(f.train_start_day) for f in test],
        },
        "models": models,
        "card_precision_ceiling": ceiling,
    }


def scenario_recall(data: Data, rows: np.ndarray, alerted: np.ndarray) -> dict[str, Any]:
    """Share of each scenario's frauds among the rows that were alerted (and of compromised-terminal frauds by the
    age of the compromise)."""
    scenario = data.table["scenario"].to_numpy()[rows]
    fraud = data.y[rows] == 1
    out: dict[str, Any] = {}
    for s in SCENARIOS:
        mask = fraud & (scenario == s)
        out[str(s)] = {"frauds": int(mask.sum()), "recall": float(alerted[mask].mean()) if mask.any() else None}
    age = data.compromise_age[rows]
    for lo, hi in AGES:
        mask = fraud & (scenario == 2) & (age >= lo) & (age < hi)
        out[f"2:{lo}-{hi}"] = {"frauds": int(mask.sum()), "recall": float(alerted[mask].mean()) if mask.any() else None}
    out["all"] = {"frauds": int(fraud.sum()), "recall": float(alerted[fraud].mean()) if fraud.any() else None}
    return out


# ---------------------------------------------------------------------------------------------------------------
# (b) the feedback protocol


def feedback_protocol(
    data: Data,
    static_spec: dict[str, Any],
    feedback_spec: dict[str, Any],
    params: dict[str, Any],
    weights: dict[str, float],
    with_test: bool = True,
) -> dict[str, Any]:
    X_static = data.features(static_spec)
    investigation_spec = feedback.static_part(feedback_spec)
    X_investigation = data.features(investigation_spec)
    known_at = _cached(
        f"label-times-{data.sha256[:16]}-{spec_hash(investigation_spec)[:16]}-{feedback.PROCESS_VERSION}",
        True,
        lambda: (
            log("simulating the investigation history (a static model refitted weekly)"),
            feedback.history_label_times(data.table, X_investigation, train.fit_lightgbm, train.margin_lightgbm),
        )[1],
    )
    X_feedback = data.features(feedback_spec, known_at, key=f"-{feedback.PROCESS_VERSION}")
    early = known_at < data.table["timestamp"].to_numpy() + feedback.LABEL_DELAY_DAYS * feedback.DAY_MS
    validation = [
        protocol.train_test_split(data.table, d) for d in protocol.fold_starts(data.day_of(VALIDATION_START), 4)
    ]
    test = [protocol.train_test_split(data.table, d) for d in protocol.fold_starts(data.day_of(TEST_START), 4)]
    out: dict[str, Any] = {
        "process": {
            "cards_investigated_per_day": feedback.INVESTIGATED_CARDS_PER_DAY,
            "label_delay_days": feedback.LABEL_DELAY_DAYS,
            "reviewed_days": feedback.REVIEWED_DAYS,
            "blocked_days": feedback.BLOCKED_DAYS,
            "investigation_model": feedback.INVESTIGATION_MODEL,
            "history_labels_known_early": float(early.mean()),
            "history_frauds_known_early": float(early[data.y == 1].mean()),
        },
        "models": {},
    }
    for name, spec, X in (("static", static_spec, X_static), ("feedback", feedback_spec, X_feedback)):
        log(f"feedback protocol, {name}: validation folds under the replay (threshold)")
        validation_result = replay_folds(data, spec, X, known_at, validation, params, weights)
        threshold = train.choose_threshold([(data.y[r["rows"]], r["probability"]) for r in validation_result["folds"]])
        out["models"][name] = {
            "spec": {"name": spec["name"], "sha256": spec_hash(spec), "features": feature_names(spec)},
            "threshold": threshold,
            "validation": summarise_replay(data, validation_result, threshold),
        }
        if with_test:
            log(f"feedback protocol, {name}: threshold {threshold:.4f}; the test folds under the replay, once")
            out["models"][name]["test"] = summarise_replay(
                data, replay_folds(data, spec, X, known_at, test, params, weights), threshold
            )
    return out


def replay_folds(
    data: Data,
    spec: dict[str, Any],
    X: np.ndarray,
    known_at: np.ndarray,
    folds: list[protocol.Fold],
    params: dict[str, Any],
    weights: dict[str, float],
) -> dict[str, Any]:
    """Fits the ensemble on each fold's training week, then replays its test week day by day."""
    table = data.table.assign(**{known_at_field("label"): known_at})
    results = []
    for fold in folds:
        ensemble = train.fit_ensemble(X[fold.train], data.y[fold.train], params, weights)
        days = np.unique(data.table["day"].to_numpy()[fold.test])
        replay = feedback.Replay(spec, table, X, known_at, int(days[0]), fold.train_start_day)
        in_split = np.zeros(len(data.table), dtype=bool)
        in_split[fold.test] = True
        evaluated, probability, alerts = [], [], []
        for day in days:
            rows, features = replay.features(int(day))
            score = train.sigmoid(ensemble.margin(features))
            keep = in_split[rows] & ~replay.blocked(int(day), rows)
            evaluated.append(rows[keep])
            probability.append(score[keep])
            cards = replay.investigate(int(day), score)
            alerts.append(_alert_rows(data, rows, score, cards))
        results.append(
            {
                "train_start": data.date_of(fold.train_start_day),
                "rows": np.concatenate(evaluated),
                "probability": np.concatenate(probability),
                "alerts": np.concatenate(alerts),
                "days": (int(days[0]), int(days[-1])),
            }
        )
    return {"folds": results}


def _alert_rows(data: Data, rows: np.ndarray, score: np.ndarray, cards: np.ndarray) -> np.ndarray:
    """The alert of each investigated card: its highest-scored transaction of the day."""
    frame = pd.DataFrame({"row": rows, "card": data.table["customerId"].to_numpy()[rows], "score": score})
    frame = frame[frame["card"].isin(set(cards))]
    return frame.loc[frame.groupby("card")["score"].idxmax(), "row"].to_numpy()


def summarise_replay(data: Data, result: dict[str, Any], threshold: float) -> dict[str, Any]:
    folds = []
    for fold in result["folds"]:
        metrics = protocol.assess(data.table, fold["rows"], fold["probability"], threshold)
        metrics["detection"] = detection_delays(data, fold["alerts"], fold["days"])
        folds.append(metrics)
    rows = np.concatenate([f["rows"] for f in result["folds"]])
    probability = np.concatenate([f["probability"] for f in result["folds"]])
    scalar = [k for k, v in folds[0].items() if isinstance(v, float)]
    detection = {kind: _pool_delays([f["detection"][kind] for f in folds]) for kind in ("terminal", "card")}
    return {
        "metrics": {
            k: {"mean": float(np.mean([f[k] for f in folds])), "std": float(np.std([f[k] for f in folds]))}
            for k in scalar
        },
        "recall": scenario_recall(data, rows, probability >= threshold),
        "detection": detection,
        "alerts_per_day": float(
            np.mean([len(f["alerts"]) / (f["days"][1] - f["days"][0] + 1) for f in result["folds"]])
        ),
        "folds": [{k: v for k, v in f.items() if k != "detection"} for f in folds],
    }


def detection_delays(data: Data, alerts: np.ndarray, days: tuple[int, int]) -> dict[str, list]:
    """For each terminal and card whose compromise began within the days (its first compromised-terminal or
    compromised-card fraud after 28 or 14 days without one), the days from that first fraud to the first alert there:
    an alert on one of the terminal's frauds, or on any of the card's transactions (the investigation reviews the
    card); None when none came within the days (observed_days says how long was watched)."""
    table = data.table
    scenario = table["scenario"].to_numpy()
    timestamps = table["timestamp"].to_numpy()
    first_ms = int(data.first.value // 1_000_000)
    window = (first_ms + days[0] * feedback.DAY_MS, first_ms + (days[1] + 1) * feedback.DAY_MS)
    out: dict[str, list] = {}
    for kind, entity, s, gap in (("terminal", "terminalId", 2, 28), ("card", "customerId", 3, 14)):
        ids = table[entity].to_numpy()
        hits = alerts[scenario[alerts] == 2] if kind == "terminal" else alerts
        alert_times = pd.Series(timestamps[hits]).groupby(ids[hits]).apply(lambda t: np.sort(t.to_numpy())).to_dict()
        starts = episode_starts(table, s, entity, gap)
        episodes = pd.DataFrame({"entity": ids[starts.index], "start": starts.to_numpy()}).drop_duplicates()
        episodes = episodes[(episodes["start"] >= window[0]) & (episodes["start"] < window[1])]
        delays = []
        for entity_id, start in episodes.sort_values(["start", "entity"]).itertuples(index=False):
            times = alert_times.get(entity_id, np.array([], dtype=np.int64))
            later = times[times >= start]
            delays.append(
                {
                    "id": str(entity_id),
                    "delay_days": (int(later[0]) - int(start)) / feedback.DAY_MS if len(later) else None,
                    "observed_days": (window[1] - int(start)) / feedback.DAY_MS,
                }
            )
        out[kind] = delays
    return out


def _pool_delays(per_fold: list[list[dict]]) -> dict[str, Any]:
    entries = [e for fold in per_fold for e in fold]
    detected = [e["delay_days"] for e in entries if e["delay_days"] is not None]
    censored = [e["delay_days"] if e["delay_days"] is not None else e["observed_days"] for e in entries]
    return {
        "compromised": len(entries),
        "detected": len(detected),
        "mean_delay_days_detected": float(np.mean(detected)) if detected else None,
        "mean_delay_days_censored": float(np.mean(censored)) if censored else None,
    }


# ---------------------------------------------------------------------------------------------------------------


def benchmark_report(
    data_path: Path,
    out_dir: Path,
    weights: dict[str, float],
    spec_path: Path = DEFAULT_SPEC_PATH,
    grid: dict[str, dict[str, list]] | None = None,
    with_test: bool = True,
) -> dict[str, Any]:
    """Both protocols; with_test=False stops before any test fold (for developing on validation folds only) and
    writes the validation results to out_dir/validation.json instead of the report."""
    started = time.perf_counter()
    data = Data(data_path)
    spec = load_spec(spec_path)
    static_spec = feedback.static_part(spec) if feedback.reads_known_labels(spec) else spec
    baseline = load_spec(BASELINE_SPEC_PATH)
    handbook = handbook_protocol(data, static_spec, baseline, weights, grid or GRID, with_test)
    loop = None
    if feedback.reads_known_labels(spec):
        loop = feedback_protocol(
            data, static_spec, spec, handbook["models"]["static"]["hyperparameters"], weights, with_test
        )
    report = {
        "data": {"path": data.path.name, "sha256": data.sha256, "transactions": len(data.table)},
        "weights": weights,
        "handbook_protocol": handbook,
        "feedback_protocol": loop,
        "handbook": HANDBOOK_RESULTS,
        "previous_reports": PREVIOUS_REPORTS,
        "notes": NOTES,
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "machine": {"cpus": os.cpu_count(), "threads": train.threads(), "python": platform.python_version()},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    if not with_test:
        (out_dir / "validation.json").write_text(json.dumps(_jsonable(report), indent=2) + "\n")
        return report
    (out_dir / "handbook-benchmark.json").write_text(json.dumps(_jsonable(report), indent=2) + "\n")
    (out_dir / "handbook-benchmark.md").write_text(markdown(report))
    return report


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return None
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def _ms(stats: dict[str, float], digits: int = 3) -> str:
    return f"{stats['mean']:.{digits}f} ± {stats['std']:.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


RECALL_COLUMNS = [
    ("1", "amount > 220"),
    ("2", "compromised terminal"),
    ("2:0-7", "… its days 0–7"),
    ("2:7-14", "… days 7–14"),
    ("2:14-28", "… days 14–28"),
    ("3", "compromised card"),
    ("all", "all frauds"),
]
GOALS = {"auc_roc": 0.88, "average_precision": 0.72, "card_precision_at_100": 0.31}


def _recall_table(models: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        "| model | " + " | ".join(label for _, label in RECALL_COLUMNS) + " |",
        "|---|" + "---|" * len(RECALL_COLUMNS),
    ]
    for label, recall in models.items():
        lines.append(
            f"| {label} | "
            + " | ".join(f"{_pct(recall[c]['recall'])} ({recall[c]['frauds']})" for c, _ in RECALL_COLUMNS)
            + " |"
        )
    return lines


def markdown(report: dict[str, Any]) -> str:
    hb = report["handbook_protocol"]
    static, previous = hb["models"]["static"], hb["models"]["previous"]
    ensemble = static["test"]["ensemble"]
    best = {k: max(r[k] for r in report["handbook"].values()) for k, _ in METRICS}
    rows = ["| model | " + " | ".join(label for _, label in METRICS) + " |", "|---|" + "---|" * len(METRICS)]
    names = {
        "ensemble": f"**Our ensemble, {len(static['spec']['features'])} static features (0.6 LightGBM + 0.4 XGBoost, log-odds)**",
        "lightgbm": "our LightGBM alone (same features)",
        "xgboost": "our XGBoost alone (same features)",
    }
    for name in ("ensemble", "lightgbm", "xgboost"):
        rows.append(f"| {names[name]} | " + " | ".join(_ms(static["test"][name][k]) for k, _ in METRICS) + " |")
    rows.append(
        "| our previous model: the ensemble on the 15 handbook features, this run | "
        + " | ".join(_ms(previous["test"]["ensemble"][k]) for k, _ in METRICS)
        + " |"
    )
    for name, result in report["previous_reports"].items():
        rows.append(f"| {name} | " + " | ".join(f"{result[k]:.3f}" for k, _ in METRICS) + " |")
    for name, result in report["handbook"].items():
        rows.append(f"| handbook: {name} | " + " | ".join(f"{result[k]:.3f}" for k, _ in METRICS) + " |")
    lines = [
        "# Benchmark on the handbook's data",
        "",
        (
            f"Data: {report['data']['path']} ({report['data']['transactions']:,} transactions, sha256 {report['data']['sha256'][:16]}…). "
            "Every choice (features, hyperparameters, thresholds, keeping the feedback features) was made on the validation "
            f"folds (training starts {', '.join(hb['protocol']['validation_train_starts'])}); the test folds (training starts "
            f"{', '.join(hb['protocol']['test_train_starts'])}) are evaluated by this run (how often they were looked at before: the notes at the end)."
        ),
        "",
        "## (a) The handbook protocol, static features",
        "",
        (
            "Chapter 5: prequential, 7 training days, 7 delay days, 7 test days, 4 test folds (mean ± std); labels known after "
            "the 7-day delay; cards known to be compromised removed from the test days."
        ),
        "",
        *rows,
        "",
        "Goals (mean over the four test folds): "
        + ", ".join(
            f"{label} ≥ {GOALS[k]} {'met' if ensemble[k]['mean'] >= GOALS[k] else 'NOT met'} ({ensemble[k]['mean']:.4f})"
            for k, label in METRICS
        )
        + ". "
        "Beats the handbook's best on: "
        + ", ".join(f"{label} {'yes' if ensemble[k]['mean'] > best[k] else 'NO'}" for k, label in METRICS)
        + ".",
        "",
        *_ceiling_markdown(hb, static),
        (
            f"At the threshold {static['threshold']:.4f} (maximum validation F1), on the test folds: precision "
            f"{_ms(ensemble['precision'])}, recall {_ms(ensemble['recall'])}, F1 {_ms(ensemble['f1'])}. The previous model at "
            f"its threshold {previous['threshold']:.4f}: precision {_ms(previous['test']['ensemble']['precision'])}, recall "
            f"{_ms(previous['test']['ensemble']['recall'])}."
        ),
        "",
        "Recall per fraud scenario at each model's threshold, test folds pooled (frauds in brackets):",
        "",
        *_recall_table({"static features (new)": static["recall"], "previous model (15 features)": previous["recall"]}),
        "",
        f"Static features: {', '.join(static['spec']['features'])}.",
        "",
        (
            f"Hyperparameters chosen on the validation folds: `{json.dumps(static['hyperparameters'])}`; the previous model "
            f"keeps `{json.dumps(previous['hyperparameters'])}` (chosen on the same validation folds by the previous benchmark)."
        ),
        "",
    ]
    fb = report["feedback_protocol"]
    lines += (
        _feedback_markdown(fb)
        if fb
        else [
            "## (b) The feedback protocol",
            "",
            "Not run: the evaluated spec reads no label as known at scoring time.",
            "",
        ]
    )
    lines += [
        "## Reproduce",
        "",
        (
            f"`models/.venv/bin/python -m fraudmodels evaluate` (reads ../shared/data by default; `--threads N`): "
            f"{report['seconds']:.0f} s, peak memory {report['peak_rss_mb']:.0f} MB on {report['machine']['cpus']} CPUs "
            f"({report['machine']['threads']} training thread(s); the machine was shared with other work). Features, label "
            "times and the investigation history are cached (`--cache-dir`)."
        ),
        "",
        *[f"- {note}" for note in report.get("notes", [])],
        "",
    ]
    return "\n".join(lines)


def _ceiling_markdown(hb: dict[str, Any], static: dict[str, Any]) -> list[str]:
    ceiling = hb.get("card_precision_ceiling")
    if not ceiling or "test" not in ceiling:
        return []
    reach = ceiling["terminal_label_reach_days"]
    hidden = (
        "a compromised terminal's frauds"
        if reach is None
        else f"a compromised terminal's frauds while the terminal has no fraud {reach[0]:g} to {reach[1]:g} days back"
    )
    key = "card_precision_at_100"
    validation, test = ceiling["validation"]["mean"], ceiling["test"]["mean"]
    ours = static["validation"]["ensemble"][key]["mean"], static["test"]["ensemble"][key]["mean"]
    return [
        (
            "What Card Precision@100 these features can reach: a ranking that puts first, each day, every card with a "
            f"fraud the static features can see (all frauds but {hidden}, the only ones their label windows could "
            "reveal: in the simulator a compromised terminal changes nothing else) reaches "
            f"{validation:.4f} on the validation folds and {test:.4f} on the test folds (computed from the folds' "
            f"labels; no choice depends on it). The ensemble reaches {ours[0] / validation:.0%} and "
            f"{ours[1] / test:.0%} of it; the goal {GOALS[key]} is {GOALS[key] / test:.0%} of the test folds' ceiling. "
            "The rest of the compromised cards are caught only by reading labels sooner (b)."
        ),
        "",
    ]


def _feedback_markdown(fb: dict[str, Any]) -> list[str]:
    process = fb["process"]
    models = fb["models"]
    table = [
        "| model | " + " | ".join(label for _, label in METRICS) + " | precision | recall | threshold |",
        "|---|" + "---|" * (len(METRICS) + 3),
    ]
    for name, model in models.items():
        m = model["test"]["metrics"]
        table.append(
            f"| {name} ({len(model['spec']['features'])} features) | "
            + " | ".join(_ms(m[k]) for k, _ in METRICS)
            + f" | {_ms(m['precision'])} | {_ms(m['recall'])} | {model['threshold']:.4f} |"
        )
    delays = [
        (
            "| model | compromised terminals | detected in their week | mean delay, detected (days) | mean delay, undetected counted to the week's end (days) "
            "| compromised cards | detected | mean delay, detected | mean delay, censored | alerts per day |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, model in models.items():
        t, c = model["test"]["detection"]["terminal"], model["test"]["detection"]["card"]
        delays.append(
            f"| {name} | {t['compromised']} | {t['detected']} | {_days(t['mean_delay_days_detected'])} | {_days(t['mean_delay_days_censored'])} | "
            f"{c['compromised']} | {c['detected']} | {_days(c['mean_delay_days_detected'])} | {_days(c['mean_delay_days_censored'])} | "
            f"{model['test']['alerts_per_day']:.0f} |"
        )
    validation = [
        "| model (validation folds, replayed) | "
        + " | ".join(label for _, label in METRICS)
        + " | terminal delay, censored (days) |",
        "|---|" + "---|" * (len(METRICS) + 1),
    ]
    for name, model in models.items():
        m = model["validation"]["metrics"]
        validation.append(
            f"| {name} | "
            + " | ".join(_ms(m[k]) for k, _ in METRICS)
            + f" | {_days(model['validation']['detection']['terminal']['mean_delay_days_censored'])} |"
        )
    added = [f for f in models["feedback"]["spec"]["features"] if f not in models["static"]["spec"]["features"]]
    return [
        "## (b) The feedback protocol",
        "",
        (
            "The investigation process (models/fraudmodels/feedback.py) replayed over each test week with the evaluated "
            f"model's own scores: every day its top {process['cards_investigated_per_day']} cards (the Card Precision@100 "
            "budget; a card's score is its highest that day) are investigated, and the labels of their transactions of that "
            f"day and the {process['reviewed_days']} days before are known at the next midnight; every other label "
            f"{process['label_delay_days']} days after its transaction. A card with a known fraud since the fold's first "
            "training day is blocked from the next day on: neither investigated nor evaluated (the handbook's removal of "
            "known compromised cards, now with what the investigations found as well). Before each test week, labels are "
            "known as a simulated history made them: a static LightGBM refitted every week on the week that ended 7 days "
            f"earlier drove the same investigations ({_pct(process['history_labels_known_early'])} of labels and "
            f"{_pct(process['history_frauds_known_early'])} of frauds known before the 7-day delay). Both models use the "
            "static model's hyperparameters; each threshold maximises F1 on its own validation folds under the replay."
        ),
        "",
        *table,
        "",
        "Recall per fraud scenario at each model's threshold (test folds pooled, frauds in brackets):",
        "",
        *_recall_table({name: model["test"]["recall"] for name, model in models.items()}),
        "",
        (
            "Detection delay at the same daily number of alerts (each day's alerts: the highest-scored transaction of each "
            "of the 100 investigated cards). A compromise that began in a test week (a terminal's first compromised-terminal "
            "fraud after 28 days without one; a card's first compromised-card fraud after 14 days) is detected by the first "
            "alert on one of the terminal's frauds, or on any of the card's transactions:"
        ),
        "",
        *delays,
        "",
        (
            "Whether the feedback features pay, on the validation folds under the replay (the decision to keep them in the "
            "default spec was made on these):"
        ),
        "",
        *validation,
        "",
        f"Feedback features: {', '.join(added)}.",
        "",
    ]


def _peak_rss_mb() -> float:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:  # not on POSIX
        return psutil.Process().memory_info().rss / 2**20
