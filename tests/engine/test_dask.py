"""The Dask path writes the same findings as the single-machine path (200,000 rows).

The rows are SYNTHETIC, drawn with a fixed seed from the ACLED vocabulary, the
shipped actor names and places around the Sept 2016 agreement's zones; their
notes say so.  A LocalCluster of two worker processes stands in for a cluster.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from trucewatch.actors import ActorRegistry
from trucewatch.batch import evaluate_files, evaluate_files_dask
from trucewatch.domain.vocabulary import EVENT_TYPE_TREE
from trucewatch.errors import InputError

ROWS = 200_000
AGREEMENT = "syria-2016-09-us-russia"


def synthetic_acled(path: Path, rows: int, seed: int = 20160912) -> Path:
    """``rows`` seeded synthetic ACLED rows, drawn column-wise (seconds, not minutes)."""
    rng = np.random.default_rng(seed)
    names = sorted({n.name for a in ActorRegistry.shipped() for n in a.names})[:60]
    subs = [(e, s) for e, ss in EVENT_TYPE_TREE.items() for s in ss]
    pick = rng.integers(0, len(subs), rows)
    days = np.datetime64("2016-08-01") + rng.integers(0, 120, rows)
    centre = np.array([[36.2135, 37.1838], [36.287, 37.0833], [35.93, 36.63], [35.0, 38.5]])
    where = centre[rng.integers(0, len(centre), rows)] + rng.normal(0, 0.08, (rows, 2))
    frame = pl.DataFrame(
        {
            "event_id_cnty": [f"SYN{i}" for i in range(rows)],
            "event_date": days.astype(str),
            "time_precision": rng.choice(["1", "1", "1", "2", "3"], rows),
            "event_type": [subs[i][0] for i in pick],
            "sub_event_type": [subs[i][1] for i in pick],
            "actor1": rng.choice(names, rows),
            "assoc_actor_1": rng.choice(["", "", "", names[3]], rows),
            "actor2": rng.choice(["", *names], rows),
            "assoc_actor_2": "",
            "country": "Syria",
            "admin1": rng.choice(["Aleppo", "Idlib", "Raqqa", "Hama", ""], rows),
            "location": "synthetic place",
            "latitude": np.round(where[:, 0], 4).astype(str),
            "longitude": np.round(where[:, 1], 4).astype(str),
            "geo_precision": rng.choice(["1", "1", "2", "3"], rows),
            "fatalities": rng.integers(0, 12, rows).astype(str),
            "tags": rng.choice(["", "", "", "humanitarian_aid"], rows),
            "notes": "SYNTHETIC test row",
        }
    )
    frame.write_csv(path)
    return path


def _table(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(pl.Categorical, pl.Enum).cast(pl.String)).sort(
        "incident", "obligation"
    )


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_acled(tmp_path_factory.mktemp("dask") / "synthetic.csv", ROWS)


def test_dask_and_local_paths_write_identical_findings(big_file: Path, tmp_path: Path) -> None:
    local = evaluate_files(AGREEMENT, [big_file], tmp_path / "local.parquet", everything=True)
    dask = evaluate_files_dask(
        AGREEMENT, [big_file], tmp_path / "dask", workers=2, everything=True, blocksize="8MB"
    )
    assert dask.partitions > 1  # the file was really split across tasks
    assert local.incidents == dask.incidents == ROWS
    assert local.verdicts == dask.verdicts
    from_local = _table(pl.read_parquet(tmp_path / "local.parquet"))
    from_dask = _table(pl.read_parquet(tmp_path / "dask" / "*.parquet"))
    assert from_local.height == ROWS * 3
    assert from_dask.equals(from_local)
    assert (from_local["verdict"] == "violation").sum() > 0


def test_dask_refuses_a_bad_file_in_the_row_importers_words(tmp_path: Path) -> None:
    path = synthetic_acled(tmp_path / "small.csv", 50)
    text = path.read_text().splitlines()
    text[5] = text[5].replace("Syria", "Syria", 1).replace(",2016-", ",2016-13-", 1)
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match=r"small.csv:6: event_date: .* is not a date"):
        evaluate_files_dask(AGREEMENT, [path], tmp_path / "out", workers=1)


def test_dask_output_must_be_a_new_folder(tmp_path: Path) -> None:
    path = synthetic_acled(tmp_path / "small.csv", 10)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.parquet").write_text("x")
    with pytest.raises(InputError, match="exists and is not an empty folder"):
        evaluate_files_dask(AGREEMENT, [path], tmp_path / "out", workers=1)
