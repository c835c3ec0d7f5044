"""News text: draft incidents and claims from articles, for an analyst to review."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from trucewatch.cli._common import JsonOpt, _day, _fail, _print_json, app, err, out
from trucewatch.errors import InputError


@app.command()
def extract(
    file: Annotated[
        Path, typer.Argument(help="An article (.txt), a folder of them, or a CSV of articles.")
    ],
    published: Annotated[
        str | None,
        typer.Option(help="Publication date (YYYY-MM-DD); a CSV may carry its own per row."),
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write JSON Lines, one article per line.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Read news articles into draft incidents and claims (offline, no model needed).

    Each incident says what, when (relative dates resolved against the
    publication date), where (through the gazetteer; datelines and places of
    talks are not incident locations), who did it, how many were killed and
    injured, and every accusation, admission, denial and alternative
    explanation, with the sentence it came from. Drafts are for review: use
    `trucewatch ingest FILE --format text` to put them in the review queue.

    Example: trucewatch extract article.txt --published 2016-09-21 --json

    Example: trucewatch extract articles.csv --out drafts.jsonl
    """
    from rich.progress import Progress

    from trucewatch.nlp import extract_article
    from trucewatch.nlp.articles import articles, is_english

    try:
        day = _day("--published", published)
        items = list(articles(file, day))
    except InputError as e:
        _fail(e)
        return
    results = []
    with Progress(console=err, disable=len(items) < 2 or as_json, transient=True) as bar:
        task = bar.add_task("reading articles", total=len(items))
        for a in items:
            if a.note:
                err.print(f"{a.name}: {a.note}")
            if not is_english(a.text):
                err.print(f"{a.name}:{a.line}: the text does not read as English; no drafts made")
            result = extract_article(a.text, a.published)
            results.append(
                result if len(items) == 1 else {"article": f"{a.name}:{a.line}", **result}
            )
            bar.advance(task)
    if out_file is not None:
        out_file.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results), encoding="utf-8"
        )
        out.print(f"wrote {len(results)} article(s) to {out_file}")
    elif as_json:
        _print_json(results[0] if len(results) == 1 else results)
    else:
        for r in results:
            label = r.get("article", str(file))
            out.print(f"[bold]{label}[/bold]: {len(r['incidents'])} draft incident(s)")
            for i in r["incidents"]:
                where = (i["location"] or {}).get("name") or "place unknown"
                who = ", ".join(a["id"] for a in i["actors"]) or "perpetrator not named"
                out.print(
                    f"  {i['date']} ({i['date_precision']}) {i['sub_event_type']} at {where}; "
                    f"{i['fatalities']['best']} killed; {who}; {len(i['claims'])} claim(s)"
                )
