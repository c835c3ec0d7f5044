"""Evaluate incident files far larger than memory into a findings table (Parquet).

The I/O shell around :class:`~trucewatch.engine.batch.BatchEvaluator`: files
are read batch by batch (:mod:`trucewatch.ingest.acled_table`), every batch's
findings are appended to one Parquet file, and memory stays bounded by the
batch size, not the file size.  The same per-batch function runs on a Dask
cluster, one partition at a time (:func:`evaluate_files_dask`), and writes the
same findings as partitioned Parquet.

A file with a problem is refused whole, in the row importer's words, and the
output is not written (results go to a temporary file renamed at the end).
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from trucewatch.actors import ActorRegistry
from trucewatch.agreements import agreement_path, load_agreement
from trucewatch.engine.batch import BatchEvaluator
from trucewatch.errors import InputError, Problem
from trucewatch.ingest.acled import AcledRowParser
from trucewatch.ingest.acled_table import (
    BatchProblems,
    CsvUnreadableError,
    check_frame,
    checked_batches,
    file_kind,
    header_of,
    problems_of_csv,
    typed_batch,
)
from trucewatch.ingest.claims import read_claims_and_sources

T = TypeVar("T")
DEFAULT_BATCH_ROWS = 250_000
Progress = Callable[[int], None]


@dataclass
class BatchRun:
    """What a batch evaluation did: counts by verdict and where it wrote them."""

    out: Path
    incidents: int = 0
    findings: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    engine: str = "local"
    partitions: int = 0

    def as_json(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "out": str(self.out),
            "engine": self.engine,
            "files": self.files,
            "incidents": self.incidents,
            "findings": self.findings,
            "verdicts": dict(sorted(self.verdicts.items())),
            "partitions": self.partitions,
            "seconds": round(self.seconds, 3),
        }


def _check_out(out: Path, *, directory: bool) -> None:
    name = str(out)
    if directory:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise InputError(
                [
                    Problem(
                        name,
                        None,
                        "exists and is not an empty folder",
                        "give a new folder for the partitioned Parquet output",
                    )
                ]
            )
    elif out.suffix.lower() != ".parquet":
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    "findings are written as Parquet",
                    "name the output FILE.parquet (e.g. --out findings.parquet)",
                )
            ]
        )
    if not out.parent.is_dir():
        raise InputError([Problem(name, None, "its folder does not exist", "create it first")])


def _inputs(paths: Sequence[Path]) -> list[Path]:
    if not paths:
        raise InputError(
            [
                Problem(
                    "--incidents",
                    None,
                    "no file given",
                    "give one or more ACLED-format CSV or Parquet files",
                )
            ]
        )
    for path in paths:
        file_kind(path)
        header_of(path)  # every header before any work: a wrong file is refused at once
    return list(paths)


def _evaluator(
    agreement_ref: str,
    claims_path: Path | None,
    sources_path: Path | None,
    actors: ActorRegistry | None = None,
) -> BatchEvaluator:
    actors = actors or ActorRegistry.shipped()
    agreement = load_agreement(agreement_path(agreement_ref), actors=actors)
    claims, sources = read_claims_and_sources(claims_path, sources_path)
    return BatchEvaluator(agreement, actors, claims=claims, sources=sources)


def evaluate_files(
    agreement_ref: str,
    paths: Sequence[Path],
    out: Path,
    *,
    claims_path: Path | None = None,
    sources_path: Path | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: Progress | None = None,
    actors: ActorRegistry | None = None,
    everything: bool = False,
) -> BatchRun:
    """Evaluate ACLED-format files against an agreement into one findings Parquet file.

    ``everything`` keeps the not_applicable findings too (see
    :meth:`BatchEvaluator.evaluate`).
    """
    started = time.perf_counter()
    _check_out(out, directory=False)
    files = _inputs(paths)
    evaluator = _evaluator(agreement_ref, claims_path, sources_path, actors)
    run = BatchRun(out=out, files=[str(p) for p in files])
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
    writer: _Writer | None = None
    refused: list[Problem] = []
    try:
        for path in files:
            found = BatchProblems(str(path))
            parser = AcledRowParser(str(path), "", evaluator.actors)
            first_row = 0
            try:
                # The next batch is read while this one is evaluated, and the last one
                # written meanwhile: Polars and Arrow work outside the GIL, so on two
                # cores reading, evaluating and writing overlap.
                for raw in _prefetched(checked_batches(path, batch_rows=batch_rows)):
                    frame = typed_batch(
                        raw, name=str(path), first_row=first_row, parser=parser, problems=found
                    )
                    first_row += raw.height
                    if progress is not None:
                        progress(raw.height)
                    if found or refused:
                        continue  # keep checking, stop evaluating: nothing will be written
                    table = evaluator.evaluate(frame, everything=everything)
                    if writer is None:
                        writer = _Writer(tmp, table.schema)
                    writer.put(table)
                    run.incidents += frame.height
                    run.findings += table.num_rows
                    run.verdicts.update(_verdicts(table))
            except CsvUnreadableError:
                refused.extend(
                    problems_of_csv(path)
                    or [Problem(str(path), None, "cannot be read as CSV", "save it as CSV (UTF-8)")]
                )
                continue
            if found:
                refused.extend(
                    problems_of_csv(path) if file_kind(path) == "csv" else _rows_named(found)
                )
        if refused:
            raise InputError(refused)
        if writer is None:
            empty = evaluator.evaluate(_empty_frame(), everything=everything)
            writer = _Writer(tmp, empty.schema)
        writer.close()
        writer = None
        tmp.replace(out)
    finally:
        if writer is not None:
            writer.abort()
        tmp.unlink(missing_ok=True)
    run.seconds = time.perf_counter() - started
    return run


_DONE = object()


def _prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """``items``, produced one step ahead in a thread (at most ``depth`` waiting)."""
    slots: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(_DONE)
        except BaseException as e:  # handed to the consumer, raised there
            slots.put(_Raised(e))

    thread = threading.Thread(target=produce, name="trucewatch-read", daemon=True)
    thread.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                slots.get(timeout=0.1)


@dataclass
class _Raised:
    error: BaseException


class _Writer:
    """Appends tables to one Parquet file from a thread, one table in hand at most.

    LZ4 and statistics only on the columns people filter on: at ten million
    rows the default (Snappy, statistics on every column) doubled writing time.
    """

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._file = pq.ParquetWriter(
            path,
            schema,
            compression="lz4",
            write_statistics=["incident", "obligation", "verdict"],
        )
        self._tables: queue.Queue[pa.Table | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="trucewatch-write", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            table = self._tables.get()
            if table is None:
                return
            if self._error is None:
                try:
                    self._file.write_table(table)
                except BaseException as e:  # raised in the caller's thread on close
                    self._error = e

    def put(self, table: pa.Table) -> None:
        if self._error is not None:
            raise self._error
        self._tables.put(table)

    def close(self) -> None:
        self._tables.put(None)
        self._thread.join()
        self._file.close()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        self._tables.put(None)
        self._thread.join()
        self._file.close()


def _rows_named(found: BatchProblems) -> list[Problem]:
    """Parquet has no lines: say 'row N' (1-based) instead."""
    return [
        Problem(p.file, None, f"row {row + 1}: {p.message}", p.hint, p.field)
        for p, row in zip(found.listed, found.rows, strict=True)
    ]


def _verdicts(table: pa.Table) -> Counter[str]:
    counts = pl.from_arrow(table.select(["verdict"]))["verdict"].cast(pl.String).value_counts()  # type: ignore[index]
    return Counter(dict(zip(counts["verdict"].to_list(), counts["count"].to_list(), strict=True)))


def _empty_frame() -> pl.DataFrame:
    from trucewatch.engine.batch import INCIDENT_SCHEMA

    return pl.DataFrame(schema=INCIDENT_SCHEMA)


# --------------------------------------------------------------------- Dask


@functools.cache
def _worker_evaluator(
    agreement_ref: str, claims_path: str | None, sources_path: str | None
) -> BatchEvaluator:
    """One evaluator per worker process, kept for every partition it is given."""
    return _evaluator(
        agreement_ref,
        Path(claims_path) if claims_path else None,
        Path(sources_path) if sources_path else None,
    )


def evaluate_partition(
    partition: Any,
    agreement_ref: str,
    claims_path: str | None,
    sources_path: str | None,
    everything: bool = False,
) -> Any:
    """Findings of one Dask partition (a pandas frame of ACLED text columns), as pandas.

    The same reader checks and the same evaluator as :func:`evaluate_files`;
    a row with a problem stops the run (the client then names every problem).
    """
    evaluator = _worker_evaluator(agreement_ref, claims_path, sources_path)
    raw = check_frame(pl.from_pandas(partition, include_index=False))
    found = BatchProblems("partition")
    parser = AcledRowParser("partition", "", evaluator.actors)
    frame = typed_batch(raw, name="partition", first_row=0, parser=parser, problems=found)
    if found:
        raise InputError(found.listed)
    table = evaluator.evaluate(frame, everything=everything)
    return (
        pl.from_arrow(table)
        .with_columns(  # type: ignore[union-attr]
            pl.col(pl.Categorical, pl.Enum).cast(pl.String)
        )
        .to_pandas()
    )


def evaluate_files_dask(
    agreement_ref: str,
    paths: Sequence[Path],
    out: Path,
    *,
    claims_path: Path | None = None,
    sources_path: Path | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    blocksize: str = "64MB",
    everything: bool = False,
) -> BatchRun:
    """Evaluate on a Dask cluster, one partition per task; partitioned Parquet in ``out``.

    ``scheduler`` is a running cluster's address (``tcp://host:8786``);
    without it a local cluster of ``workers`` processes is started and closed.
    """
    try:
        import dask.dataframe as dd
        import pandas as pd
        from dask.base import compute
        from distributed import Client, LocalCluster
    except ImportError as e:
        raise InputError(
            [
                Problem(
                    "--engine",
                    None,
                    f"dask is not installed ({e.name})",
                    "pip install 'trucewatch[dask]', or use --engine local",
                )
            ]
        ) from e

    from trucewatch.engine.batch import FINDING_COLUMNS
    from trucewatch.ingest.acled_table import READ_COLUMNS

    started = time.perf_counter()
    _check_out(out, directory=True)
    files = _inputs(paths)
    _evaluator(
        agreement_ref, claims_path, sources_path
    )  # a bad agreement fails here, not on a worker
    kinds = {file_kind(p) for p in files}
    if len(kinds) > 1:
        raise InputError(
            [
                Problem(
                    "--incidents",
                    None,
                    "mixes CSV and Parquet files",
                    "give files of one kind per run",
                )
            ]
        )
    headers = [header_of(p) for p in files]
    present = [c for c in READ_COLUMNS if all(c in h for h in headers)]
    cluster = (
        None
        if scheduler
        else LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
    )
    client = Client(scheduler or cluster)
    try:
        if kinds == {"parquet"}:
            ddf = dd.read_parquet([str(p) for p in files], columns=present, blocksize=blocksize)
        else:
            ddf = dd.read_csv(
                [str(p) for p in files],
                usecols=present,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                blocksize=blocksize,
            )
        meta = pd.DataFrame(
            {
                c: pd.Series(
                    dtype="bool"
                    if c in ("timing_uncertain", "depends_on_approximate_zone")
                    else "string"
                )
                for c in FINDING_COLUMNS
            }
        )
        findings = ddf.map_partitions(
            evaluate_partition,
            agreement_ref,
            str(claims_path) if claims_path else None,
            str(sources_path) if sources_path else None,
            everything,
            meta=meta,
        )
        try:
            _, incidents = compute(
                findings.to_parquet(str(out), write_index=False, compute=False),
                ddf.map_partitions(len).sum(),
            )
        except InputError:
            refused = [q for p in files if file_kind(p) == "csv" for q in problems_of_csv(p)]
            raise InputError(
                refused
                or [
                    Problem(
                        "--incidents",
                        None,
                        "a partition has a problem",
                        "run without --engine dask to see it",
                    )
                ]
            ) from None
        partitions = findings.npartitions
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    counts = pl.scan_parquet(str(out / "*.parquet")).group_by("verdict").len().collect()
    run = BatchRun(out=out, files=[str(p) for p in files], engine="dask", partitions=partitions)
    run.verdicts = Counter(
        dict(zip(counts["verdict"].to_list(), counts["len"].to_list(), strict=True))
    )
    run.findings = sum(run.verdicts.values())
    run.incidents = int(incidents)
    run.seconds = time.perf_counter() - started
    return run
