"""MLflow tracking of training runs and registration of model bundles (see "MLflow" in models/README.md).

Imported only when MLflow is wanted (`train` with MLFLOW_TRACKING_URI set, `register`): it imports mlflow, an
optional dependency (`pip install -e "models[mlflow]"`, done by scripts/setup.sh).

A training run logs
  params     lightgbm.* / xgboost.* (the fixed and the chosen hyperparameters), weights.*, feature_spec_hash,
             data.source, data.first_day, data.last_day, data.transactions, train.window_from/_to, train.days,
             validation.folds, search
  metrics    the ensemble's validation means under their plain names (auc_roc, average_precision,
             card_precision_at_100, precision, recall, f1) and threshold; <model>.<metric>.mean and .std for
             lightgbm, xgboost and ensemble; <model>.<metric>.fold per validation fold as steps (0 = oldest fold)
  artifacts  metrics.json, training.json, shap_summary.json, plots/roc_curve.png, plots/precision_recall_curve.png,
             plots/shap_summary.png
  tags       code_revision (git rev-parse HEAD or "unknown"), dataset_sha256 (sha256 of the input CSV),
             fraudscore.kind = training

`register` logs a bundle directory under the artifact path `bundle/` of a run and creates a registered model
version whose source is that directory, tagged bundle_version, manifest_sha256 and feature_spec_hash, with the
alias `challenger` (and the legacy stage Staging where the server still accepts stage transitions).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException

from .errors import FraudModelsError
from .export import code_revision, read_manifest
from .progress import log
from .train import LIGHTGBM_FIXED, XGBOOST_FIXED

DEFAULT_EXPERIMENT = "fraud-detection"
DEFAULT_MODEL_NAME = "fraud-ensemble"
BUNDLE_ARTIFACT_PATH = "bundle"
CHALLENGER_ALIAS = "challenger"
HEADLINE_METRICS = ("auc_roc", "average_precision", "card_precision_at_100", "precision", "recall", "f1")
FIXED = {"lightgbm": LIGHTGBM_FIXED, "xgboost": XGBOOST_FIXED}


class TrackingError(FraudModelsError):
    """The MLflow tracking server refused or could not be reached; says which server and what failed."""


def tracking_uri() -> str:
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        raise TrackingError("MLFLOW_TRACKING_URI is not set: point it at an MLflow server, e.g. http://127.0.0.1:5000")
    return uri


def experiment_name() -> str:
    return os.environ.get("MLFLOW_EXPERIMENT_NAME") or DEFAULT_EXPERIMENT


def _check_reachable(uri: str, timeout: float = 10.0) -> None:
    """Fails fast on an http(s) server that does not answer (MLflow itself retries for minutes). Any HTTP answer,
    even an error status, counts as reachable."""
    if not uri.startswith(("http://", "https://")):
        return
    try:
        urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=timeout).close()
    except urllib.error.HTTPError:
        pass
    except (urllib.error.URLError, OSError) as error:
        raise TrackingError(
            f"MLflow at {uri} does not answer ({getattr(error, 'reason', error)}): start the server "
            "or fix MLFLOW_TRACKING_URI"
        ) from error


def _client() -> MlflowClient:
    uri = tracking_uri()
    _check_reachable(uri)
    mlflow.set_tracking_uri(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _experiment_id(client: MlflowClient, name: str) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    try:
        return client.create_experiment(name)
    except MlflowException:  # created meanwhile by another process
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment.experiment_id


def _wrap(action: str, error: Exception) -> TrackingError:
    return TrackingError(f"MLflow at {os.environ.get('MLFLOW_TRACKING_URI')}: {action} failed: {error}")


def _end_run(client: MlflowClient, run_id: str, status: str) -> None:
    # MLflow writes "View run ... at: URL" to stdout on ending a run; stdout is for results here.
    with contextlib.redirect_stdout(sys.stderr):
        client.set_terminated(run_id, status)


def _param_value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (dict, list, bool)) or value is None else str(value)


class TrainingRun:
    """One MLflow run around one `train`: started before training (so an unreachable server fails fast), filled
    in by `log_training` (pipeline.train_models' on_trained hook), ended by `finish`."""

    def __init__(self, features: list[str], run_name: str | None = None, tags: dict[str, str] | None = None):
        self.features = features
        revision = code_revision()
        try:
            self.client = _client()
            self.experiment_id = _experiment_id(self.client, experiment_name())
            run = self.client.create_run(
                self.experiment_id,
                run_name=run_name,
                tags={
                    "fraudscore.kind": "training",
                    "code_revision": revision,
                    "mlflow.source.git.commit": revision,
                    **(tags or {}),
                },
            )
        except (MlflowException, OSError) as error:
            raise _wrap("starting the training run", error) from error
        self.run_id = run.info.run_id
        log(f"MLflow: run {self.run_id} in experiment {experiment_name()!r} at {tracking_uri()}")

    @property
    def reference(self) -> dict[str, str]:
        return {"runId": self.run_id, "experimentId": self.experiment_id, "experimentName": experiment_name()}

    def log_training(self, result: dict[str, Any]) -> None:
        try:
            self._log_training(result)
        except (MlflowException, OSError) as error:
            raise _wrap(f"logging run {self.run_id}", error) from error

    def _log_training(self, result: dict[str, Any]) -> None:
        params: dict[str, Any] = {}
        for name, chosen in result["hyperparameters"].items():
            for key, value in {**FIXED.get(name, {}), **chosen}.items():
                params[f"{name}.{key}"] = value
        for name, weight in result["weights"].items():
            params[f"weights.{name}"] = weight
        params.update(
            {
                "feature_spec_hash": result.get("featureSpecSha256", "unknown"),
                "data.source": Path(result["data"]["path"]).name,
                "data.path": result["data"]["path"],
                "data.first_day": result["data"]["from"],
                "data.last_day": result["data"]["to"],
                "data.transactions": result["data"]["transactions"],
                "train.window_from": result["window"]["from"],
                "train.window_to": result["window"]["to"],
                "train.rows": result["window"]["rows"],
                "train.days": result.get("trainDays"),
                "validation.folds": len(result["validationFolds"]),
                "search": result.get("grid"),
            }
        )
        now = int(time.time() * 1000)
        ensemble = result["validation"]["ensemble"]
        metrics = [Metric(name, float(ensemble[name]["mean"]), now, 0) for name in HEADLINE_METRICS if name in ensemble]
        metrics.append(Metric("threshold", float(result["threshold"]), now, 0))
        for model, summary in result["validation"].items():
            for metric, values in summary.items():
                metrics += [
                    Metric(f"{model}.{metric}.mean", values["mean"], now, 0),
                    Metric(f"{model}.{metric}.std", values["std"], now, 0),
                ]
        # validationPerFold lists the newest fold first; steps count from the oldest.
        for model, folds in result["validationPerFold"].items():
            for step, fold in enumerate(reversed(folds)):
                metrics += [Metric(f"{model}.{metric}.fold", float(value), now, step) for metric, value in fold.items()]
        tags = {"dataset_sha256": result["data"]["sha256"]}
        self.client.log_batch(
            self.run_id,
            params=[Param(k, _param_value(v)) for k, v in sorted(params.items())],
            metrics=metrics,
            tags=[RunTag(k, v) for k, v in tags.items()],
        )
        with tempfile.TemporaryDirectory(prefix="fraudmodels-mlflow-") as directory:
            root = Path(directory)
            shap_summary = _shap_summary(result, self.features)
            metrics_doc = {
                "threshold": result["threshold"],
                "validation": result["validation"],
                "validationFolds": result["validationFolds"],
                "validationPerFold": result["validationPerFold"],
            }
            (root / "metrics.json").write_text(json.dumps(metrics_doc, indent=2) + "\n")
            summary = {k: v for k, v in result.items() if k not in ("predictions", "ensemble", "X_train")}
            (root / "training.json").write_text(json.dumps(summary, indent=2) + "\n")
            (root / "shap_summary.json").write_text(json.dumps(shap_summary, indent=2) + "\n")
            (root / "plots").mkdir()
            _plot_curves(result["predictions"], result["threshold"], root / "plots")
            _plot_shap(shap_summary, root / "plots" / "shap_summary.png")
            self.client.log_artifacts(self.run_id, str(root))
        log(f"MLflow: logged {len(params)} params, {len(metrics)} metric values and the artifacts of run {self.run_id}")

    def finish(self, ok: bool) -> None:
        try:
            _end_run(self.client, self.run_id, "FINISHED" if ok else "FAILED")
        except (MlflowException, OSError) as error:
            if ok:
                raise _wrap(f"ending run {self.run_id}", error) from error


def _shap_summary(result: dict[str, Any], names: list[str], max_rows: int = 2000) -> dict[str, Any]:
    """Mean |SHAP| per feature of the ensemble margin (weighted sum of both models' TreeSHAP values) on up to
    max_rows rows of the final fit's training window."""
    import xgboost

    ensemble, X = result["ensemble"], result["X_train"]
    if len(X) > max_rows:
        X = X[np.sort(np.random.default_rng(0).choice(len(X), size=max_rows, replace=False))]
    contributions = {
        "lightgbm": ensemble.models["lightgbm"].predict(X, pred_contrib=True),
        "xgboost": ensemble.models["xgboost"].predict(xgboost.DMatrix(X, missing=np.nan), pred_contribs=True),
    }
    shap = sum(
        ensemble.weights[name] * np.asarray(values, dtype=np.float64)[:, :-1] for name, values in contributions.items()
    )
    mean_abs = np.abs(shap).mean(axis=0)
    return {"rows": len(X), "meanAbsShap": {name: float(v) for name, v in zip(names, mean_abs)}}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plot_curves(predictions, threshold: float, out_dir: Path) -> None:
    from sklearn import metrics

    plt = _pyplot()
    labels = np.concatenate([p[0] for p in predictions])
    scores = np.concatenate([p[1] for p in predictions])
    fpr, tpr, _ = metrics.roc_curve(labels, scores)
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.plot(fpr, tpr, label=f"ensemble (AUC {metrics.roc_auc_score(labels, scores):.4f})")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8)
    axes.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC curve (pooled validation folds)")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(out_dir / "roc_curve.png", dpi=100)
    plt.close(figure)
    precision, recall, _ = metrics.precision_recall_curve(labels, scores)
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.plot(recall, precision, label=f"ensemble (AP {metrics.average_precision_score(labels, scores):.4f})")
    at = scores >= threshold
    if at.any():
        p = float(labels[at].mean())
        r = float(labels[at].sum() / max(labels.sum(), 1))
        axes.scatter([r], [p], color="red", zorder=3, label=f"threshold {threshold:.3f}")
    axes.set(
        xlabel="recall",
        ylabel="precision",
        title="Precision-recall curve (pooled validation folds)",
        xlim=(0, 1),
        ylim=(0, 1.02),
    )
    axes.legend(loc="lower left")
    figure.tight_layout()
    figure.savefig(out_dir / "precision_recall_curve.png", dpi=100)
    plt.close(figure)


def _plot_shap(shap_summary: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    items = sorted(shap_summary["meanAbsShap"].items(), key=lambda item: item[1])
    figure, axes = plt.subplots(figsize=(7, 0.35 * len(items) + 1.2))
    axes.barh([name for name, _ in items], [value for _, value in items])
    axes.set(
        xlabel="mean |SHAP value| (ensemble margin, log-odds)",
        title=f"SHAP summary ({shap_summary['rows']} training rows)",
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


# ---- register ------------------------------------------------------------------------------------------------


def _bundle_files(bundle_dir: Path) -> list[Path]:
    return sorted(p for p in bundle_dir.iterdir() if p.is_file() and not p.name.startswith("."))


def _run_bundle_manifest(client: MlflowClient, run_id: str) -> bytes | None:
    """The bytes of bundle/manifest.json already logged to the run, if any."""
    if not any(
        item.path == f"{BUNDLE_ARTIFACT_PATH}/manifest.json"
        for item in client.list_artifacts(run_id, BUNDLE_ARTIFACT_PATH)
    ):
        return None
    with tempfile.TemporaryDirectory(prefix="fraudmodels-mlflow-") as directory:
        path = client.download_artifacts(run_id, f"{BUNDLE_ARTIFACT_PATH}/manifest.json", directory)
        return Path(path).read_bytes()


def register_bundle(
    bundle_dir: Path, name: str | None = None, run_id: str | None = None, new_run: bool = False
) -> dict[str, Any]:
    """Logs the bundle's files under `bundle/` of a run and registers them as a new version of the model; returns
    {name, version, run_id, artifact_path, bundle_version, ...}."""
    bundle_dir = Path(bundle_dir)
    manifest = read_manifest(bundle_dir)  # every listed file checked against its sha256
    manifest_bytes = (bundle_dir / "manifest.json").read_bytes()
    manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
    name = name or os.environ.get("MLFLOW_MODEL_NAME") or DEFAULT_MODEL_NAME
    bundle_version = str(manifest["version"])
    tags = {
        "bundle_version": bundle_version,
        "manifest_sha256": manifest_sha256,
        "feature_spec_hash": manifest["featureSpec"]["sha256"],
        "bundle_name": str(manifest.get("name", "")),
    }
    try:
        client = _client()
        try:
            client.get_registered_model(name)
            existing = client.search_model_versions(f"name = '{name}'")
        except MlflowException as error:
            if error.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
            client.create_registered_model(name, description="fraudscore model bundles (fraudscore-bundle/1)")
            existing = []
        for version in existing:
            if version.tags.get("bundle_version") == bundle_version:
                raise TrackingError(
                    f"{name} version {version.version} already holds bundle version {bundle_version} "
                    f"(manifest sha256 {version.tags.get('manifest_sha256')}); every registered bundle needs its own "
                    f"version: export again with `python -m fraudmodels export --version <new version>`"
                )

        source_run = None if new_run else (run_id or (manifest.get("mlflowRun") or {}).get("runId"))
        if source_run:
            client.get_run(source_run)  # fails clearly when the run is not on this server
            logged = _run_bundle_manifest(client, source_run)
            if logged is not None and logged != manifest_bytes:
                raise TrackingError(
                    f"run {source_run} already holds a different bundle under {BUNDLE_ARTIFACT_PATH}/ (registered "
                    f"versions point at it); pass --new-run to log this bundle in a new run"
                )
            run = client.get_run(source_run)
            log(f"MLflow: logging {bundle_dir} into run {source_run}")
        else:
            run = client.create_run(
                _experiment_id(client, experiment_name()),
                run_name=f"register-{name}-{bundle_version}",
                tags={
                    "fraudscore.kind": "bundle",
                    "code_revision": manifest.get("codeRevision", "unknown"),
                    "dataset_sha256": manifest.get("trainingData", {}).get("sha256", "unknown"),
                    **(
                        {"training_run_id": (manifest.get("mlflowRun") or {})["runId"]}
                        if manifest.get("mlflowRun")
                        else {}
                    ),
                },
            )
            client.log_batch(
                run.info.run_id,
                params=[Param("bundle_version", bundle_version), Param("feature_spec_hash", tags["feature_spec_hash"])],
            )
            log(f"MLflow: logging {bundle_dir} into a new run {run.info.run_id}")
        run_id = run.info.run_id
        for path in _bundle_files(bundle_dir):
            client.log_artifact(run_id, str(path), BUNDLE_ARTIFACT_PATH)
        if not source_run:
            _end_run(client, run_id, "FINISHED")
        source = f"{run.info.artifact_uri.rstrip('/')}/{BUNDLE_ARTIFACT_PATH}"
        version = client.create_model_version(
            name, source, run_id=run_id, tags=tags, description=f"bundle {manifest.get('name')} {bundle_version}"
        )
        client.set_registered_model_alias(name, CHALLENGER_ALIAS, version.version)
        stage = None
        try:
            with warnings.catch_warnings():  # stages are deprecated (since MLflow 2.9) but still accepted
                warnings.simplefilter("ignore", FutureWarning)
                client.transition_model_version_stage(name, version.version, "Staging")
            stage = "Staging"
        except Exception as error:  # noqa: BLE001 — stages are deprecated; a server may refuse them
            log(
                f"MLflow: the server refused the stage transition to Staging ({error}); the alias "
                f"{CHALLENGER_ALIAS!r} is set"
            )
    except MlflowException as error:
        raise _wrap(f"registering {bundle_dir} as {name!r}", error) from error
    except OSError as error:
        raise _wrap(f"registering {bundle_dir} as {name!r}", error) from error
    log(
        f"MLflow: {name} version {version.version} (bundle {bundle_version}), alias {CHALLENGER_ALIAS}"
        f"{', stage Staging' if stage else ''}"
    )
    return {
        "name": name,
        "version": str(version.version),
        "run_id": run_id,
        "artifact_path": BUNDLE_ARTIFACT_PATH,
        "bundle_version": bundle_version,
        "alias": CHALLENGER_ALIAS,
        "stage": stage,
        "manifest_sha256": manifest_sha256,
    }
