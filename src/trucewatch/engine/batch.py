"""The engine's batch path: a table of incidents in, a table of findings out.

Why it is built this way.  A verdict depends on a handful of things about an
incident: what kind of act it was, who was coded for it, whether its dates
fall in the obligation's phases, which zones it lies in, and (for the
standing of actors) which period of the actor registry its date falls in.
Across a million incidents those things take few distinct values: a few
dozen acts, a few hundred combinations of actors, a handful of timing
outcomes per obligation, a few dozen zone memberships.  So the batch path

1. computes each of those inputs as a column, with work per *distinct* value
   where it can (actor names are resolved once per name, phases compared once
   per distinct date and precision, the zone version looked up once per day)
   and vectorised point-in-polygon where it cannot;
2. factorises the rows by those columns into groups whose every member must
   get the same finding;
3. evaluates one representative incident per group and obligation with the
   very functions the per-incident path uses (:func:`~trucewatch.engine.evaluate.check`,
   parsed by the same ACLED row parser), so there is one set of rules, not two;
4. spreads each group's finding back over its rows.

A finding's first reason describes the act ("Air/drone strike (...) at
36.20,37.13 (Aleppo) on 2016-09-19"); in a table with one row per incident
and obligation that text would be most of the bytes, so here it reads
:data:`THE_INCIDENT` and the incident's own columns say the rest.  Everything
else about a finding is exactly what the per-incident path gives (a
property test holds the two paths to it).

Pure: no I/O.  Reading files, progress and writing Parquet live in
:mod:`trucewatch.batch`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from trucewatch.actors import ActorRegistry
from trucewatch.domain import (
    Agreement,
    Attribution,
    Claim,
    EventObligation,
    Finding,
    Incident,
    Source,
    TerritoryObligation,
)
from trucewatch.domain.incident import incident_span
from trucewatch.engine.evaluate import (
    _matches,
    attribute_incident,
    check,
    context,
    describe,
    timing,
)
from trucewatch.geo import ZoneIndex
from trucewatch.ingest.acled import AcledRowParser, split_names

#: What the first reason says instead of describing the act (see module docstring).
THE_INCIDENT = "the incident"

#: The typed incident columns :meth:`BatchEvaluator.evaluate` reads.
INCIDENT_SCHEMA: dict[str, Any] = {
    "id": pl.String,
    "date": pl.Date,
    "time_precision": pl.Int8,
    "event_type": pl.Categorical,
    "sub_event_type": pl.Categorical,
    "tags": pl.Categorical,
    "actor1": pl.Categorical,
    "assoc_actor_1": pl.Categorical,
    "actor2": pl.Categorical,
    "assoc_actor_2": pl.Categorical,
    "location": pl.String,
    "country": pl.Categorical,
    "admin1": pl.Categorical,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
    "geo_precision": pl.Int8,
    "civilian_fatalities": pl.Int64,
}

#: The findings table: one row per incident × event obligation.
FINDING_COLUMNS: tuple[str, ...] = (
    "incident",
    "obligation",
    "verdict",
    "would_be",
    "responsible",
    "attribution_status",
    "broker_involved",
    "timing_uncertain",
    "depends_on_approximate_zone",
    "zone_versions",
    "reasons",
)
_ACTOR_COLUMNS = ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")
_SEP = "\x1f"
_PRECISION_WORD = {1: "day", 2: "week", 3: "month"}
_TEMPLATE_STRINGS = (
    "verdict",
    "would_be",
    "responsible",
    "attribution_status",
    "broker_involved",
    "zone_versions",
    "reasons",
)


def finding_row(finding: Finding, act: str | None = None) -> dict[str, Any]:
    """A finding as one row of the findings table.

    ``act`` is the description its first reason opens with (replaced by
    :data:`THE_INCIDENT`); ``responsible`` and ``zone_versions`` are JSON text,
    so a spreadsheet or ``jq`` can read them without knowing Parquet's nesting.
    """
    reasons = finding.reasons
    if act is not None:
        reasons = [r.replace(act, THE_INCIDENT) for r in reasons]
    return {
        "incident": finding.incident,
        "obligation": finding.obligation,
        "verdict": finding.verdict.value,
        "would_be": None if finding.would_be is None else finding.would_be.value,
        "responsible": json.dumps(
            [r.model_dump(mode="json") for r in finding.responsible], separators=(",", ":")
        ),
        "attribution_status": finding.attribution_status.value,
        "broker_involved": finding.broker_involved,
        "timing_uncertain": finding.timing_uncertain,
        "depends_on_approximate_zone": finding.depends_on_approximate_zone,
        "zone_versions": json.dumps(finding.zone_versions, sort_keys=True, separators=(",", ":")),
        "reasons": "\n".join(reasons),
    }


def _factorize(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group ids (0..k-1) for rows equal in every code column, and each group's first row.

    Columns are folded into one int64 (re-factorised whenever the product
    would overflow), then grouped by hashing (Polars), which is several
    times faster than sorting (``np.unique``) at a million rows.
    """
    n = len(codes[0]) if codes else 0
    combined = np.zeros(n, dtype=np.int64)
    for column in codes:
        column = np.asarray(column, dtype=np.int64)
        span = int(column.max()) + 2 if n else 1
        if n and int(combined.max()) >= (2**62) // span:
            combined = _groups(combined)[0]
        combined = combined * span + (column + 1)
    return _groups(combined)


def _groups(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    series = pl.Series(values)
    first = series.arg_unique()
    ids = pl.Series(np.arange(len(first), dtype=np.int64))
    inverse = series.replace_strict(series.gather(first), ids, return_dtype=pl.Int64)
    return inverse.to_numpy(), first.to_numpy().astype(np.int64)


def _codes_of_strings(series: pl.Series) -> tuple[np.ndarray, list[str | None]]:
    """Integer codes (0..k-1) for a string column and the distinct values they stand for."""
    if series.dtype != pl.Categorical:
        series = series.cast(pl.Categorical)
    physical = series.to_physical().fill_null(-1).to_numpy()
    codes, first = _groups(physical.astype(np.int64))
    return codes, series.gather(first).to_list()


class BatchEvaluator:
    """Evaluates tables of incidents against one agreement, batch after batch.

    Everything it learns (resolved names, timing per date, the finding of each
    distinct case) is kept between batches, so a stream of batches pays for
    each distinct case once.
    """

    def __init__(
        self,
        agreement: Agreement,
        actors: ActorRegistry,
        *,
        zones: ZoneIndex | None = None,
        claims: Iterable[Claim] = (),
        sources: Iterable[Source] = (),
    ) -> None:
        self.agreement = agreement
        self.actors = actors
        self.ctx = context(agreement, actors, sources=sources, zones=zones)
        self.obligations = [o for o in agreement.obligations if isinstance(o, EventObligation)]
        self._changes = np.array(actors.affiliation_changes(), dtype="datetime64[D]")
        self._claims: dict[str, list[Claim]] = defaultdict(list)
        for claim in claims:
            self._claims[claim.incident].append(claim)
        # Zones each obligation names: where it applies, and where its exemptions do.
        self._where = [list(dict.fromkeys([*o.within, *o.outside])) for o in self.obligations]
        self._zones_of = [
            list(dict.fromkeys([*w, *(z for ex in o.exemptions for z in ex.within)]))
            for w, o in zip(self._where, self.obligations, strict=True)
        ]
        self._all_zones = list(dict.fromkeys(z for zs in self._zones_of for z in zs))
        self._zone_index = {z: i for i, z in enumerate(self._all_zones)}
        self._parser = AcledRowParser("batch", "", actors)
        self._names: dict[str, tuple[str, ...] | None] = {}
        self._signatures: dict[tuple[object, ...], int] = {}
        self._signature_ids: list[tuple[str, ...]] = []
        self._standings: dict[tuple[int, int], int] = {}
        self._standing_values: dict[tuple[object, ...], int] = {}
        self._whens: dict[tuple[date, int], int] = {}
        self._when_values: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
        self._when_ids: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}
        # Per obligation: timing outcomes interned, and which of them say "outside".
        self._timings: list[dict[tuple[str, str, bool], int]] = [{} for _ in self.obligations]
        self._outside: list[list[bool]] = [[] for _ in self.obligations]
        self._acts: dict[str, tuple[bool, ...]] = {}
        self._template_of: dict[tuple[object, ...], int] = {}
        self._attributions: dict[tuple[object, ...], Attribution] = {}
        self.templates: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ public

    def evaluate(self, frame: pl.DataFrame, *, everything: bool = False) -> pa.Table:
        """Findings for the rows of ``frame`` (columns of :data:`INCIDENT_SCHEMA`) × obligation.

        By default a finding that says only "this obligation does not concern
        this incident" (not_applicable, with no broker involved) is left out:
        at a million incidents and ten obligations those are most of the ten
        million pairs and none of what an analyst reads.  ``everything=True``
        keeps every pair, as the per-incident path returns them.  The result
        is an Arrow table whose text columns are dictionary-encoded, each row
        pointing at its distinct finding.
        """
        return self.findings_table(frame["id"], self.template_ids(frame), everything=everything)

    def template_ids(self, frame: pl.DataFrame) -> np.ndarray:
        """For each obligation and row, the index of its finding in :attr:`templates`."""
        n = frame.height
        k = len(self.obligations)
        out = np.zeros((k, n), dtype=np.int32)
        if n == 0 or k == 0:
            return out
        days = frame["date"].to_numpy().astype("datetime64[D]")
        precision = frame["time_precision"].to_numpy().astype(np.int64)
        when = self._when_codes(days, precision)
        act_codes, act_values = self._act_codes(frame)
        signature = self._signature_codes(frame, days)
        epoch = np.searchsorted(self._changes, days, side="right").astype(np.int64)
        zone_codes = self._zone_codes(frame, days)
        zone_key = _factorize(*zone_codes.values())[0] if zone_codes else np.zeros(n, np.int64)
        geo = frame["geo_precision"].to_numpy().astype(np.int64)
        civilians = frame["civilian_fatalities"].fill_null(-1).to_numpy().astype(np.int64)
        claimed = self._claimed_codes(frame)
        group, first = _factorize(
            act_codes, signature, epoch, when, zone_key, geo, civilians, claimed
        )
        # Per group (through its first row): the parts every obligation's key is made of.
        g_when = when[first]
        g_act = act_codes[first]
        # Outside a territorial obligation the rules read only the event type of a
        # prohibited act (a battle is judged apart from a strike): one code per type.
        event_names = [text.split(_SEP, 1)[0] for text, _ in act_values]
        g_event = np.array([event_names.index(e) for e in event_names], dtype=np.int64)[g_act]
        g_standing = self._standing_codes(signature[first], epoch[first], days[first])
        g_zones = {z: c[first] for z, c in zone_codes.items()}
        matched_table = np.array([m for _, m in act_values], dtype=bool).reshape(-1, k)
        timing_table = np.array([t for t, _ in self._when_values], dtype=np.int64).reshape(-1, k)
        representatives: dict[int, Incident] = {}
        for j in range(k):
            cols = self._projection(
                j,
                g_act,
                g_event,
                matched_table,
                timing_table[g_when, j],
                g_when,
                signature[first],
                g_standing,
                g_zones,
                geo[first],
                civilians[first],
                claimed[first],
            )
            projected, reps = _factorize(*cols)
            tids = np.empty(len(reps), dtype=np.int32)
            for p, g in enumerate(reps.tolist()):
                key = self._key(
                    j, [int(c[g]) for c in cols], act_values[int(g_act[g])][0], frame, int(first[g])
                )
                tid = self._template_of.get(key)
                if tid is None:
                    row = int(first[g])
                    if row not in representatives:
                        representatives[row] = self._representative(frame, row)
                    tid = self._template(j, representatives[row], key)
                tids[p] = tid
            out[j] = tids[projected][group]
        return out

    def findings_table(
        self, ids: pl.Series, template_ids: np.ndarray, *, everything: bool = False
    ) -> pa.Table:
        """The findings for incident ``ids``, obligation-major, dictionary-encoded."""
        k, n = template_ids.shape
        if everything:
            rows = np.tile(np.arange(n, dtype=np.int32), k)
            obligation = np.repeat(np.arange(k, dtype=np.int32), n)
            picks = template_ids.reshape(-1)
        else:
            kept = np.array([_worth_keeping(t) for t in self.templates] + [False], dtype=bool)
            chosen = [np.flatnonzero(kept[template_ids[j]]).astype(np.int32) for j in range(k)]
            rows = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int32)
            obligation = np.repeat(np.arange(k, dtype=np.int32), [len(c) for c in chosen]).astype(
                np.int32
            )
            picks = (
                np.concatenate([template_ids[j][c] for j, c in enumerate(chosen)])
                if chosen
                else np.zeros(0, dtype=np.int32)
            )
        columns: dict[str, pa.Array] = {
            "incident": pa.DictionaryArray.from_arrays(
                pa.array(rows, type=pa.int32()), ids.cast(pl.String).to_arrow()
            ),
            "obligation": pa.DictionaryArray.from_arrays(
                pa.array(obligation, type=pa.int32()),
                pa.array([o.id for o in self.obligations], type=pa.string()),
            ),
        }
        for c in FINDING_COLUMNS[2:]:
            values = [t[c] for t in self.templates]
            if c in ("timing_uncertain", "depends_on_approximate_zone"):
                columns[c] = pa.array(
                    np.asarray(values, dtype=bool)[picks] if values else [], type=pa.bool_()
                )
            else:
                columns[c] = _dictionary(values, picks)
        return pa.table(columns)

    # ------------------------------------------------------------------ columns

    def _when_codes(self, days: np.ndarray, precision: np.ndarray) -> np.ndarray:
        """Per row, an id for (timing under every obligation, every zone's version) on its date.

        Each distinct (date, precision) is looked at once, and across batches
        once in all.  Even so, a long history has thousands of them; the
        timing rule is asked once per distinct *position* of the span among the
        obligation's phase boundaries (see :meth:`_timing_ids`), not per date.
        """
        combined = days.astype(np.int64) * 4 + precision
        inverse, first = _groups(combined)
        values = combined[first]
        ids = np.empty(len(first), dtype=np.int64)
        fresh = [i for i, v in enumerate(values.tolist()) if (v // 4, v % 4) not in self._whens]
        if fresh:
            new = values[fresh]
            new_days = new // 4
            tz = self.agreement.timezone
            spans = [incident_span(_day(v // 4), v % 4, tz) for v in new.tolist()]
            bounds = np.array([(s.timestamp(), e.timestamp()) for s, e in spans], dtype=np.float64)
            timings = np.stack(
                [self._timing_ids(j, new, spans, bounds) for j in range(len(self.obligations))]
            )
            versions = (
                np.stack([self._version_ids(z, new_days) for z in self._all_zones])
                if (self._all_zones)
                else np.zeros((0, len(new)), dtype=np.int64)
            )
            for c, value in enumerate(new.tolist()):
                when = (tuple(timings[:, c].tolist()), tuple(versions[:, c].tolist()))
                found = self._when_ids.get(when)
                if found is None:
                    found = self._when_ids[when] = len(self._when_values)
                    self._when_values.append(when)
                self._whens[(value // 4, value % 4)] = found
        for i, value in enumerate(values.tolist()):
            ids[i] = self._whens[(value // 4, value % 4)]
        per_row: np.ndarray = ids[inverse]
        return per_row

    def _timing_ids(
        self,
        j: int,
        day_precision: np.ndarray,
        spans: list[tuple[datetime, datetime]],
        bounds: np.ndarray,
    ) -> np.ndarray:
        """Obligation ``j``'s timing outcome for each (day * 4 + precision), interned.

        The outcome depends on where the incident's span [start, end) lies
        among the obligation's phase boundaries (strictly before, on, or after
        each), on which phase it overlaps most, and on the precision (named
        when a span straddles a boundary).  Spans alike in all three get the
        same outcome, so :func:`timing` runs once per distinct position.
        """
        ob = self.obligations[j]
        starts, ends = bounds[:, 0], bounds[:, 1]
        phase_ids = ob.phases or [p.id for p in self.agreement.phases]
        windows = [self.ctx.spans[p] for p in phase_ids if p in self.ctx.spans]
        edges = np.array(
            sorted({t.timestamp() for w in windows for t in w if t is not None}), dtype=np.float64
        )
        # _phase_at: the phase of largest overlap, the first on a tie, phase_ids[0] by default.
        best = np.zeros(len(starts), dtype=np.int64)
        best_overlap = np.full(len(starts), -1.0)
        for p, pid in enumerate(phase_ids):
            if pid not in self.ctx.spans:
                continue
            s, e = self.ctx.spans[pid]
            hi = ends if e is None else np.minimum(ends, e.timestamp())
            overlap = hi - np.maximum(starts, s.timestamp())
            better = overlap > best_overlap
            best = np.where(better, p, best)
            best_overlap = np.where(better, overlap, best_overlap)
        position, first = _factorize(
            np.searchsorted(edges, starts, side="left"),
            np.searchsorted(edges, starts, side="right"),
            np.searchsorted(edges, ends, side="left"),
            np.searchsorted(edges, ends, side="right"),
            best,
            day_precision % 4,
        )
        outcome = np.array(
            [
                self._intern_timing(
                    j,
                    timing(
                        self.ctx,
                        ob,
                        spans[i][0],
                        spans[i][1],
                        _PRECISION_WORD[int(day_precision[i] % 4)],
                    ),
                )
                for i in first.tolist()
            ],
            dtype=np.int64,
        )
        picked: np.ndarray = outcome[position]
        return picked

    def _version_ids(self, zone_id: str, days: np.ndarray) -> np.ndarray:
        """The version of ``zone_id`` in force on each day (0 for a zone never changed)."""
        if not self.ctx.zones.changed(zone_id):
            return np.zeros(len(days), dtype=np.int64)
        return np.array(
            [self.ctx.zones.version(zone_id, _day(d)) for d in days.tolist()], dtype=np.int64
        )

    def _intern_timing(self, j: int, value: tuple[str, str, bool]) -> int:
        known = self._timings[j]
        found = known.get(value)
        if found is None:
            found = known[value] = len(known)
            self._outside[j].append(value[0] == "outside")
        return found

    def _act_codes(
        self, frame: pl.DataFrame
    ) -> tuple[np.ndarray, list[tuple[str, tuple[bool, ...]]]]:
        """Per row, an id of its act; per id, the act's text and whether each obligation
        prohibits it."""
        columns = [_codes_of_strings(frame[c]) for c in ("event_type", "sub_event_type", "tags")]
        codes, first = _factorize(*(c for c, _ in columns))
        values = [_SEP.join(v[c[row]] or "" for c, v in columns) for row in first.tolist()]
        acts: list[tuple[str, tuple[bool, ...]]] = []
        for value in values:
            text = value or _SEP * 2
            hit = self._acts.get(text)
            if hit is None:
                event_type, sub_event_type, tags = text.split(_SEP)
                probe = _ActProbe(event_type, sub_event_type, split_names(tags))
                hit = tuple(_matches(probe, ob) for ob in self.obligations)  # type: ignore[arg-type]
                self._acts[text] = hit
            acts.append((text, hit))
        return codes, acts

    def _signature_codes(self, frame: pl.DataFrame, days: np.ndarray) -> np.ndarray:
        """Per row, an id for the registry ids its actor columns resolve to on its date."""
        coded = [_codes_of_strings(frame[c]) for c in _ACTOR_COLUMNS]
        combo, first = _factorize(*(codes for codes, _ in coded))
        per_combo = np.empty(len(first), dtype=np.int64)
        for g, row in enumerate(first.tolist()):
            texts = [values[codes[row]] or "" for codes, values in coded]
            ids = [self._resolve_undated(t, c) for t, c in zip(texts, _ACTOR_COLUMNS, strict=True)]
            per_combo[g] = -1 if any(i is None for i in ids) else self._intern_signature(tuple(ids))
        out = per_combo[combo]
        dated = np.flatnonzero(out < 0)
        if len(dated):
            # Names shared by two actors over time: resolved once per (cell values, day).
            sub, sub_first = _factorize(combo[dated], days[dated].astype(np.int64))
            values_of = np.empty(len(sub_first), dtype=np.int64)
            for g, i in enumerate(sub_first.tolist()):
                row = int(dated[i])
                day = days[row].item()
                texts = [values[codes[row]] or "" for codes, values in coded]
                on_day = tuple(
                    tuple(self._id_or_name(n, day) for n in _cell_names(t, c))
                    for t, c in zip(texts, _ACTOR_COLUMNS, strict=True)
                )
                values_of[g] = self._intern_signature(on_day)
            out[dated] = values_of[sub]
        signatures: np.ndarray = out
        return signatures

    def _resolve_undated(self, text: str, column: str) -> tuple[str, ...] | None:
        """Resolved ids of a cell's names, or None when one of them depends on the date."""
        key = column + _SEP + text
        if key in self._names:
            return self._names[key]
        names = _cell_names(text, column)
        result: tuple[str, ...] | None = None
        if not any(self.actors.depends_on_date(n) for n in names):
            result = tuple(self._id_or_name(n, None) for n in names)
        self._names[key] = result
        return result

    def _id_or_name(self, name: str, day: date | None) -> str:
        found = self.actors.resolve(name, on=day)
        # The rules read only ids; every name the registry does not know is the same
        # "no id" to them (but each still counts, as an unidentified target does).
        return found.actor_id if found is not None else "?"

    def _intern_signature(self, value: tuple[object, ...]) -> int:
        found = self._signatures.get(value)
        if found is None:
            found = self._signatures[value] = len(self._signatures)
            self._signature_ids.append(
                tuple(dict.fromkeys(a for cell in value for a in cell if not a.startswith("?")))  # type: ignore[attr-defined]
            )
        return found

    def _standing_codes(
        self, signature: np.ndarray, epoch: np.ndarray, days: np.ndarray
    ) -> np.ndarray:
        """Per group, an id for the standings of its actors in its registry period.

        Standings are what the rules read of the registry; two periods in
        which every actor of a case stands the same give the same finding.
        """
        out = np.empty(len(signature), dtype=np.int64)
        for i, (sig, ep) in enumerate(zip(signature.tolist(), epoch.tolist(), strict=True)):
            found = self._standings.get((sig, ep))
            if found is None:
                day = days[i].item()
                value = tuple(self.ctx.roles.standing(a, day) for a in self._signature_ids[sig])
                found = self._standing_values.setdefault(value, len(self._standing_values))
                self._standings[(sig, ep)] = found
            out[i] = found
        return out

    def _zone_codes(self, frame: pl.DataFrame, days: np.ndarray) -> dict[str, np.ndarray]:
        if not self._all_zones:
            return {}
        lons = frame["longitude"].to_numpy()
        lats = frame["latitude"].to_numpy()
        precision = frame["geo_precision"].to_numpy()
        codes, names = _codes_of_strings(frame["admin1"])
        admin = self.ctx.zones.admin_codes(names, codes)
        return {
            z: self.ctx.zones.membership_many(z, lons, lats, precision, admin, days)
            for z in self._all_zones
        }

    def _claimed_codes(self, frame: pl.DataFrame) -> np.ndarray:
        """-1 for rows without claims; the row's own number for rows with claims."""
        out = np.full(frame.height, -1, dtype=np.int64)
        if self._claims:
            has = frame["id"].is_in(list(self._claims)).to_numpy()
            out[has] = np.flatnonzero(has)
        return out

    # ------------------------------------------------------------------ keys

    def _projection(
        self,
        j: int,
        g_act: np.ndarray,
        g_event: np.ndarray,
        matched_table: np.ndarray,
        g_timing: np.ndarray,
        g_when: np.ndarray,
        g_signature: np.ndarray,
        g_standing: np.ndarray,
        g_zones: dict[str, np.ndarray],
        g_geo: np.ndarray,
        g_civilians: np.ndarray,
        g_claimed: np.ndarray,
    ) -> list[np.ndarray]:
        """Per group, the columns obligation ``j``'s finding depends on (-1: does not matter).

        The same early exits as the rules take: an act the obligation does not
        prohibit depends on nothing else; one outside its phases only on the
        timing; one outside where it applies only on the timing and the zones.
        Everything else also on the actors, their standings and the evidence.
        """
        ob = self.obligations[j]
        none = np.full(len(g_act), -1, dtype=np.int64)
        matched = matched_table[g_act, j]
        outside_table = np.asarray(self._outside[j], dtype=bool)
        applies = matched & ~outside_table[g_timing]
        # The rules ask of zones only "inside any of these, outside all, or unknown",
        # for the obligation's within and outside zones and each exemption's.
        where = [
            (_any_inside(zone_ids, g_zones), wanted)
            for zone_ids, wanted in ((ob.within, 1), (ob.outside, 0))
            if zone_ids
        ]
        judged = applies.copy()
        for code, wanted in where:
            judged &= (code == 2) | (code == wanted)
        exempt = [_any_inside(ex.within, g_zones) for ex in ob.exemptions if ex.within]
        exempt_unknown = np.zeros(len(g_act), dtype=bool)
        for code in exempt:
            exempt_unknown |= code == 2
        territorial = isinstance(ob, TerritoryObligation)
        return [
            matched.astype(np.int64),
            np.where(judged, g_act if territorial else g_event, -1),
            self._versions_of(j, g_when),
            np.where(matched, g_timing, -1),
            *(np.where(applies, code, -1) for code, _ in where),
            *(np.where(judged, code, -1) for code in exempt),
            np.where(judged, g_signature, -1),
            np.where(judged, g_standing, -1),
            np.where(judged & exempt_unknown, g_geo, -1),  # said when an exemption cannot tell
            np.where(judged, g_civilians, -1) if ob.exemptions else none,
            np.where(judged, g_claimed, -1),
        ]

    def _versions_of(self, j: int, g_when: np.ndarray) -> np.ndarray:
        """Per group, an id of the versions of the zones obligation ``j`` names on its date."""
        positions = [self._zone_index[z] for z in self._zones_of[j]]
        if not positions:
            return np.zeros(len(g_when), dtype=np.int64)
        ids: dict[tuple[int, ...], int] = {}
        used = [tuple(v[p] for p in positions) for _, v in self._when_values]
        table = np.array([ids.setdefault(u, len(ids)) for u in used], dtype=np.int64)
        per_group: np.ndarray = table[g_when]
        return per_group

    def _key(
        self, j: int, cols: list[int], act: str, frame: pl.DataFrame, row: int
    ) -> tuple[object, ...]:
        """A key that means the same in every batch: batch-local codes become text."""
        territorial = isinstance(self.obligations[j], TerritoryObligation)
        key: list[object] = [j, *cols]
        if cols[1] != -1:  # the act's code: its text (territorial) or its event type
            key[2] = act if territorial else act.split(_SEP, 1)[0]
        if cols[-1] != -1:
            key[-1] = frame["id"][row]
        return tuple(key)

    def _template(self, j: int, incident: Incident, key: tuple[object, ...]) -> int:
        ob = self.obligations[j]
        claims = self._claims.get(incident.id, [])
        cache = (
            incident.event_type,
            tuple((a.id, a.role) for a in incident.actors),
            incident.id if claims else None,
        )
        attribution = self._attributions.get(cache)
        if attribution is None:
            attribution = attribute_incident(incident, claims, self.ctx.sources, self.actors)
            self._attributions[cache] = attribution
        found = check(self.ctx, incident, ob, attribution)
        tid = len(self.templates)
        self.templates.append(finding_row(found, describe(incident)))
        self._template_of[key] = tid
        return tid

    def _representative(self, frame: pl.DataFrame, row: int) -> Incident:
        """The incident on ``row``, exactly as the per-incident path reads it."""
        values = frame.row(row, named=True)
        fields = {
            "event_id_cnty": values["id"],
            "event_date": values["date"].isoformat(),
            "time_precision": str(values["time_precision"]),
            "event_type": values["event_type"],
            "sub_event_type": values["sub_event_type"],
            "tags": values["tags"] or "",
            "actor1": values["actor1"] or "",
            "assoc_actor_1": values["assoc_actor_1"] or "",
            "actor2": values["actor2"] or "",
            "assoc_actor_2": values["assoc_actor_2"] or "",
            "location": values["location"] or "",
            "country": values["country"] or "",
            "admin1": values["admin1"] or "",
            "latitude": repr(values["latitude"]),
            "longitude": repr(values["longitude"]),
            "geo_precision": str(values["geo_precision"]),
            "civilian_fatalities": ""
            if values["civilian_fatalities"] is None
            else str(values["civilian_fatalities"]),
        }
        incident, problems = self._parser.parse(row, fields, {})
        if incident is None:  # the reader checked every row: this is a bug, not bad input
            raise AssertionError(
                f"row {row} passed the batch checks but not the parser: {problems}"
            )
        return incident


def _worth_keeping(row: dict[str, Any]) -> bool:
    """Everything but "does not concern this incident" (a broker's act is kept)."""
    return row["verdict"] != "not_applicable" or row["broker_involved"] is not None


def _day(days_since_epoch: int) -> date:
    return date(1970, 1, 1) + timedelta(days=days_since_epoch)


def _any_inside(zone_ids: Sequence[str], g_zones: dict[str, np.ndarray]) -> np.ndarray:
    """:meth:`ZoneIndex.any_inside` over membership codes: inside any (1), unknown (2), out (0)."""
    codes = np.stack([g_zones[z] for z in zone_ids])
    inside = (codes == 1).any(axis=0)
    unknown = (codes == 2).any(axis=0)
    result: np.ndarray = np.where(inside, 1, np.where(unknown, 2, 0))
    return result


def _dictionary(values: list[str | None], picks: np.ndarray) -> pa.DictionaryArray:
    """A dictionary-encoded column: row i holds ``values[picks[i]]`` (None stays null)."""
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    position = {v: i for i, v in enumerate(distinct)}
    code = np.array([-1 if v is None else position[v] for v in values], dtype=np.int32)
    indices = code[picks] if len(code) else np.zeros(0, dtype=np.int32)
    mask = indices < 0
    return pa.DictionaryArray.from_arrays(
        pa.array(np.where(mask, 0, indices).astype(np.int32), mask=mask if mask.any() else None),
        pa.array(distinct, type=pa.string()),
    )


def _cell_names(text: str, column: str) -> list[str]:
    """The names in one actor cell, as the row parser splits them."""
    names = split_names(text) if column.startswith("assoc") else [text.strip()]
    return [n for n in names if n]


class _ActProbe:
    """The three fields :func:`_matches` reads, without building an incident."""

    def __init__(self, event_type: str, sub_event_type: str, tags: Sequence[str]) -> None:
        self.event_type = event_type
        self.sub_event_type = sub_event_type
        self.tags = list(tags)
