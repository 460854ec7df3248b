"""MLflow tracking and registration against a real MLflow server (models/.venv/bin/mlflow server with SQLite and
proxied artifacts, started once for this file on a free port)."""

import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

try:
    from mlflow import MlflowClient

    MISSING = None
except ImportError as error:  # every test here fails (a skip would hide that they never ran); other files run
    MlflowClient, MISSING = (
        None,
        f"MLflow is not installed ({error}): run scripts/setup.sh (it installs models[mlflow])",
    )


@pytest.fixture(scope="module", autouse=True)
def _mlflow_installed():
    if MISSING:
        pytest.fail(MISSING, pytrace=False)


from fraudmodels.cli import main
from fraudmodels.export import code_revision
from fraudmodels.mlflow_server import MlflowServer
from fraudmodels.spec import load_spec, spec_hash

MODELS_DIR = Path(__file__).resolve().parent.parent
FAST = ["--no-search", "--folds", "2", "--rounds", "30"]
MODEL_NAME = "fraud-ensemble"


@pytest.fixture(scope="module")
def mlflow_launched(tmp_path_factory):
    """The server process, started without waiting: it boots (10-30 s) while the first test runs."""
    server = MlflowServer.launch(tmp_path_factory.mktemp("mlflow"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mlflow_server(mlflow_launched):
    mlflow_launched.wait_healthy(timeout=180)
    return mlflow_launched


@pytest.fixture
def tracking(mlflow_server, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.url)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    monkeypatch.delenv("MLFLOW_MODEL_NAME", raising=False)
    return MlflowClient(tracking_uri=mlflow_server.url, registry_uri=mlflow_server.url)


def run_cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def test_training_without_a_tracking_uri_imports_no_mlflow_and_opens_no_socket(
    mlflow_launched, simulated_csv, tmp_path
):
    # First in the file: the server (mlflow_launched, unused here) boots meanwhile.
    script = textwrap.dedent(f"""
        import json, socket, sys
        def refuse(*args, **kwargs):
            raise AssertionError("network access during training without MLFLOW_TRACKING_URI")
        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = refuse
        from fraudmodels.cli import main
        code = main(["train", "--data", {str(simulated_csv)!r}, "--out", {str(tmp_path / "models")!r},
                     *{FAST!r}])
        print(json.dumps({{"code": code, "mlflow": sorted(m for m in sys.modules if m.split(".")[0] == "mlflow")}}))
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        cwd=MODELS_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"code": 0, "mlflow": []}
    assert "mlflow" not in json.loads((tmp_path / "models" / "training.json").read_text())


@pytest.fixture(scope="module")
def trainings(mlflow_server, simulated_csv, tmp_path_factory):
    """Two tracked trainings (fast path) on the simulated stream, each exported with its own version."""
    root = tmp_path_factory.mktemp("tracked")
    results = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", mlflow_server.url)
        patch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
        for i, version in enumerate(["1.0.0-test.1", "1.0.0-test.2"]):
            models, bundle = root / f"models{i}", root / f"bundle{i}"
            revision = code_revision()  # HEAD may move meanwhile: others commit in the same working tree
            code, out, err = run_cli(["train", "--data", str(simulated_csv), "--out", str(models), *FAST])
            assert code == 0, err
            trained = json.loads(out)
            code, _, err = run_cli(["export", "--models", str(models), "--out", str(bundle), "--version", version])
            assert code == 0, err
            results.append(
                {
                    "run_id": trained["mlflow"]["runId"],
                    "models": models,
                    "bundle": bundle,
                    "revisions": {revision, code_revision()},
                    "version": version,
                    "summary": json.loads((models / "training.json").read_text()),
                }
            )
    return results


def test_a_training_run_logs_params_metrics_artifacts_and_tags(tracking, trainings, simulated_csv, tmp_path):
    client, first = tracking, trainings[0]
    run = client.get_run(first["run_id"])
    assert run.info.status == "FINISHED"
    assert client.get_experiment(run.info.experiment_id).name == "fraud-detection"
    summary, params, metrics, tags = first["summary"], run.data.params, run.data.metrics, run.data.tags

    assert params["lightgbm.num_leaves"] == "15" and params["lightgbm.num_boost_round"] == "30"
    assert params["lightgbm.learning_rate"] == "0.02"
    assert params["xgboost.max_depth"] == "3" and params["xgboost.num_boost_round"] == "30"
    assert params["weights.lightgbm"] == "0.6" and params["weights.xgboost"] == "0.4"
    assert params["feature_spec_hash"] == spec_hash(load_spec())
    assert (params["data.first_day"], params["data.last_day"]) == ("2018-04-01", "2018-05-20")
    assert params["data.source"] == simulated_csv.name
    assert params["validation.folds"] == "2" and params["search"] == "none"

    ensemble = summary["validation"]["ensemble"]
    for name in ("auc_roc", "average_precision", "card_precision_at_100", "precision", "recall", "f1"):
        assert metrics[name] == pytest.approx(ensemble[name]["mean"])
        assert metrics[f"ensemble.{name}.mean"] == pytest.approx(ensemble[name]["mean"])
        assert metrics[f"ensemble.{name}.std"] == pytest.approx(ensemble[name]["std"])
    assert metrics["threshold"] == pytest.approx(summary["threshold"])
    assert metrics["lightgbm.auc_roc.mean"] == pytest.approx(summary["validation"]["lightgbm"]["auc_roc"]["mean"])
    history = client.get_metric_history(first["run_id"], "ensemble.auc_roc.fold")
    folds = [fold["auc_roc"] for fold in reversed(summary["validationPerFold"]["ensemble"])]
    assert [m.step for m in sorted(history, key=lambda m: m.step)] == [0, 1]
    assert [m.value for m in sorted(history, key=lambda m: m.step)] == pytest.approx(folds)

    assert tags["code_revision"] in first["revisions"] and len(tags["code_revision"]) == 40
    assert tags["mlflow.source.git.commit"] == tags["code_revision"]
    assert tags["dataset_sha256"] == hashlib.sha256(simulated_csv.read_bytes()).hexdigest()

    listed = {item.path for item in client.list_artifacts(first["run_id"])}
    assert {"metrics.json", "training.json", "shap_summary.json", "plots"} <= listed
    plots = {item.path for item in client.list_artifacts(first["run_id"], "plots")}
    assert plots == {"plots/roc_curve.png", "plots/precision_recall_curve.png", "plots/shap_summary.png"}
    for path in plots:
        assert (
            Path(client.download_artifacts(first["run_id"], path, str(tmp_path))).read_bytes()[:8]
            == b"\x89PNG\r\n\x1a\n"
        )
    logged = json.loads(Path(client.download_artifacts(first["run_id"], "metrics.json", str(tmp_path))).read_text())
    assert logged["validation"] == summary["validation"] and logged["threshold"] == summary["threshold"]
    shap = json.loads(Path(client.download_artifacts(first["run_id"], "shap_summary.json", str(tmp_path))).read_text())
    assert set(shap["meanAbsShap"]) == set(json.loads((first["bundle"] / "manifest.json").read_text())["features"])

    manifest = json.loads((first["bundle"] / "manifest.json").read_text())
    assert manifest["mlflowRun"]["runId"] == first["run_id"]  # export recorded the training run


def register(args: list[str]) -> dict:
    code, out, err = run_cli(["register", *args])
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1, out  # one JSON line on stdout, nothing else
    return json.loads(lines[0])


@pytest.fixture(scope="module")
def registered(mlflow_server, trainings):
    """Both bundles registered in order; the alias challenger as seen right after each registration."""
    client = MlflowClient(tracking_uri=mlflow_server.url, registry_uri=mlflow_server.url)
    steps = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", mlflow_server.url)
        patch.delenv("MLFLOW_MODEL_NAME", raising=False)
        for trained in trainings:
            result = register(["--bundle", str(trained["bundle"])])
            steps.append(
                {
                    **trained,
                    "result": result,
                    "challenger": client.get_model_version_by_alias(MODEL_NAME, "challenger").version,
                }
            )
    return steps


def test_register_creates_versions_with_tags_alias_and_downloadable_bundles(
    tracking, registered, mlflow_server, tmp_path
):
    client = tracking
    for number, step in enumerate(registered, 1):
        result = step["result"]
        assert result == {
            "name": MODEL_NAME,
            "version": str(number),
            "run_id": step["run_id"],
            "artifact_path": "bundle",
            "bundle_version": step["version"],
            "alias": "challenger",
            "stage": "Staging",
            "manifest_sha256": result["manifest_sha256"],
        }
        assert step["challenger"] == str(number)  # the alias moved to the new version
        manifest_bytes = (step["bundle"] / "manifest.json").read_bytes()
        version = client.get_model_version(MODEL_NAME, str(number))
        assert version.run_id == step["run_id"] and version.source.endswith("/bundle")
        assert version.tags == {
            "bundle_version": step["version"],
            "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
            "feature_spec_hash": spec_hash(load_spec()),
            "bundle_name": "fraud-ensemble",
        }
        assert result["manifest_sha256"] == version.tags["manifest_sha256"]
        assert version.current_stage == "Staging"

        files = sorted(p.name for p in step["bundle"].iterdir())
        assert {"manifest.json", "model.onnx", "trees.json", "reference.json", "features.json"} <= set(files)
        downloaded = Path(client.download_artifacts(step["run_id"], "bundle", str(tmp_path / str(number))))
        assert sorted(p.name for p in downloaded.iterdir()) == files
        for name in files:
            assert (downloaded / name).read_bytes() == (step["bundle"] / name).read_bytes(), name
        # What the Node server does (server/src/mlflow/client.ts): GET /get-artifact?path=bundle/<file>&run_uuid=...
        for name in files:
            query = urllib.parse.urlencode({"path": f"bundle/{name}", "run_uuid": step["run_id"]})
            with urllib.request.urlopen(f"{mlflow_server.url}/get-artifact?{query}", timeout=30) as response:
                assert response.read() == (step["bundle"] / name).read_bytes(), name
    assert client.get_registered_model(MODEL_NAME).aliases == {"challenger": "2"}


def test_register_refuses_a_bundle_version_the_model_already_has(tracking, registered):
    before = len(tracking.search_model_versions(f"name = '{MODEL_NAME}'"))
    code, out, err = run_cli(["register", "--bundle", str(registered[0]["bundle"])])
    assert code == 1 and out == ""
    assert "already holds bundle version 1.0.0-test.1" in err and "export --version" in err
    assert len(tracking.search_model_versions(f"name = '{MODEL_NAME}'")) == before


def test_a_second_bundle_of_one_training_goes_to_a_new_run(tracking, registered, tmp_path):
    first = registered[0]
    bundle = tmp_path / "bundle"
    code, _, err = run_cli(
        ["export", "--models", str(first["models"]), "--out", str(bundle), "--version", "1.0.0-test.3"]
    )
    assert code == 0, err
    code, _, err = run_cli(["register", "--bundle", str(bundle)])
    assert code == 1 and "already holds a different bundle" in err and "--new-run" in err
    result = register(["--bundle", str(bundle), "--new-run", "--name", "fraud-ensemble-other"])
    assert result["version"] == "1" and result["run_id"] != first["run_id"]
    run = tracking.get_run(result["run_id"])
    assert run.data.tags["training_run_id"] == first["run_id"] and run.info.status == "FINISHED"
    assert tracking.get_model_version_by_alias("fraud-ensemble-other", "challenger").version == "1"


def test_register_needs_a_tracking_uri(monkeypatch, trainings):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    code, out, err = run_cli(["register", "--bundle", str(trainings[0]["bundle"])])
    assert code == 1 and out == "" and "MLFLOW_TRACKING_URI is not set" in err


def test_an_unreachable_tracking_server_fails_fast_before_training(monkeypatch, simulated_csv, tmp_path):
    from fraudmodels.mlflow_server import free_port

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{free_port()}")
    code, out, err = run_cli(["train", "--data", str(simulated_csv), "--out", str(tmp_path / "models"), *FAST])
    assert code == 1 and out == "" and "does not answer" in err
    assert not (tmp_path / "models").exists()
