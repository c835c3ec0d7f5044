"""Coverage-guided fuzzing of the importers with atheris (libFuzzer), run by hand, not in CI.

The hypothesis tests in tests/fuzz generate inputs from a description of the
format; atheris instead mutates bytes towards code not yet reached.  The
property is the same: a result or a documented InputError naming the file;
anything else is a crash, which atheris saves as ``crash-<hash>`` to replay.

    pip install atheris          # a binary wheel for CPython 3.11 on x86-64 Linux
    python bench/fuzz_atheris.py acled -atheris_runs=20000
    python bench/fuzz_atheris.py geojson -max_total_time=60

Targets: acled, ucdp, hxl, geojson (each importer's ``rows``, fully read).
The number of inputs tried is written to
test-artifacts/reliability/atheris-<target>.json when the run ends.
"""

from __future__ import annotations

import atexit
import json
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from trucewatch.errors import InputError
    from trucewatch.ingest import importer_for

REPO = Path(__file__).resolve().parents[1]
TARGETS = ("acled", "ucdp", "hxl", "geojson")
SEEDS = {
    "acled": b"event_id_cnty,event_date,event_type,sub_event_type,actor1,latitude,longitude\r\n"
    b"SYN1,2016-09-19,Battles,Armed clash,Government of Syria,36.1,36.9\r\n",
    "ucdp": (REPO / "tests" / "ingest" / "fixtures" / "ucdp_sample.csv").read_bytes(),
    "hxl": (REPO / "tests" / "ingest" / "fixtures" / "incidents.hxl.csv").read_bytes(),
    "geojson": (REPO / "tests" / "ingest" / "fixtures" / "incidents.geojson").read_bytes(),
}


def main() -> None:
    target = sys.argv[1] if len(sys.argv) > 1 else ""
    if target not in TARGETS:
        sys.exit(f"usage: fuzz_atheris.py {{{'|'.join(TARGETS)}}} [libFuzzer options]")
    work = Path(tempfile.mkdtemp(prefix="tw-atheris-"))
    path = work / f"input.{target}"
    importer = importer_for(target)
    tried = [0]
    started = time.time()

    def one(data: bytes) -> None:
        tried[0] += 1
        path.write_bytes(data)
        try:
            for row in importer.rows(path):
                assert (row.incident is None) == bool(row.problems), row
        except InputError as e:
            assert str(path) in str(e), e

    def report() -> None:
        out = REPO / "test-artifacts" / "reliability" / f"atheris-{target}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "target": target,
                    "inputs": tried[0],
                    "seconds": round(time.time() - started, 1),
                    "argv": sys.argv,
                    "atheris": version("atheris"),
                },
                indent=2,
            )
            + "\n"
        )

    atexit.register(report)
    corpus = work / "corpus"
    corpus.mkdir()
    (corpus / "seed").write_bytes(SEEDS[target])
    atheris.Setup([sys.argv[0], *sys.argv[2:], str(corpus)], one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
