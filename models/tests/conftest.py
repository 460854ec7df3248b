import shutil
from pathlib import Path

import pytest
from fraudmodels.csvio import read_transactions
from fraudmodels.simulate import SIMULATOR_CLI, simulate


@pytest.fixture(scope="session")
def simulated_csv(tmp_path_factory) -> Path:
    """A small simulated stream (60 customers, 300 terminals, 50 days) from the project's simulator."""
    if not SIMULATOR_CLI.exists() or shutil.which("node") is None:
        pytest.fail("the simulator is not built: run scripts/setup.sh (pnpm build) first")
    path = tmp_path_factory.mktemp("sim") / "stream.csv"
    return simulate(path, seed=11, customers=60, terminals=300, days=50, quiet=True)


@pytest.fixture(scope="session")
def simulated_table(simulated_csv):
    return read_transactions(simulated_csv)
