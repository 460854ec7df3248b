"""Bad input files get a clear error naming file, line and column, and nothing is written."""

import gzip
from pathlib import Path

import pytest
from fraudmodels.cli import main
from fraudmodels.csvio import COLUMNS, read_transactions
from fraudmodels.errors import DataError

GOOD = ["0,2018-04-01 00:00:31,596,3156,57.16,31,0,0,0", "1,2018-04-01 00:02:10,4961,3412,81.51,130,0,1,1"]


def write(tmp_path: Path, lines: list[str], header: str = ",".join(COLUMNS), name: str = "tx.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n" if header or lines else "")
    return path


def test_reads_the_handbook_schema_in_time_order(tmp_path):
    table = read_transactions(write(tmp_path, list(reversed(GOOD))))
    assert list(table["id"]) == [0, 1]
    assert table["timestamp"].iloc[0] == 1522540831000  # 2018-04-01T00:00:31Z
    assert list(table["label"]) == [0.0, 1.0]
    assert table["customerId"].iloc[1] == "4961"


def test_reads_gzip(tmp_path):
    path = tmp_path / "tx.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(",".join(COLUMNS) + "\n" + "\n".join(GOOD) + "\n")
    assert len(read_transactions(path)) == 2


@pytest.mark.parametrize(
    ("header", "lines", "message", "line", "column"),
    [
        (
            ",".join(COLUMNS).replace("TX_AMOUNT", "TX_AMOUNTS"),
            GOOD,
            "missing column.*TX_AMOUNT.*TX_AMOUNTS",
            None,
            None,
        ),
        (
            ",".join(c for c in COLUMNS if c != "TERMINAL_ID"),
            [l.replace(",3156", "").replace(",3412", "") for l in GOOD],
            "missing column.*TERMINAL_ID",
            None,
            None,
        ),
        (",".join(COLUMNS), [GOOD[0], GOOD[1].replace("81.51", "81,51x")], None, None, None),
        (
            ",".join(COLUMNS),
            [GOOD[0], GOOD[1].replace("81.51", "eighty")],
            "not a finite number: 'eighty'",
            3,
            "TX_AMOUNT",
        ),
        (",".join(COLUMNS), [GOOD[0], GOOD[1].replace("81.51", "-1")], "negative amount", 3, "TX_AMOUNT"),
        (",".join(COLUMNS), [GOOD[0].replace(",0,0,0", ",0,2,0"), GOOD[1]], "label is not 0 or 1: '2'", 2, "TX_FRAUD"),
        (
            ",".join(COLUMNS),
            [GOOD[0].replace("2018-04-01 00:00:31", "01/04/2018"), GOOD[1]],
            "not a datetime",
            2,
            "TX_DATETIME",
        ),
        (
            ",".join(COLUMNS),
            [GOOD[0], GOOD[1].replace("1,2018", "0,2018")],
            "duplicate transaction id 0",
            3,
            "TRANSACTION_ID",
        ),
        (",".join(COLUMNS), [], "header but no transactions", None, None),
        ("", [], "empty", None, None),
    ],
)
def test_bad_files_name_file_line_and_column(tmp_path, header, lines, message, line, column):
    path = write(tmp_path, lines, header)
    with pytest.raises(DataError) as caught:
        read_transactions(path)
    error = caught.value
    assert error.file == str(path)
    assert str(path) in str(error)
    if message:
        assert caught.match(message)
    if line:
        assert error.line == line and f"line {line}" in str(error)
    if column:
        assert error.column == column and f"column {column}" in str(error)


def test_cli_reports_bad_input_with_exit_code_2_and_writes_nothing(tmp_path, capsys):
    bad = write(tmp_path, [GOOD[0], GOOD[1].replace(",0,1,1", ",0,yes,1")])
    out = tmp_path / "models-out"
    assert main(["train", "--data", str(bad), "--out", str(out), "--grid", "none"]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "column TX_FRAUD" in err and str(bad) in err
    assert not out.exists()


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_transactions(tmp_path / "nope.csv")
