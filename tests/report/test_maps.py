"""Static maps: the same marks in SVG and PNG, verdict shapes, boundaries where loaded."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from trucewatch.cases import case_files
from trucewatch.cli import app
from trucewatch.geo.boundaries import AdminIndex, read_boundaries
from trucewatch.geo.gazetteer import Gazetteer
from trucewatch.report.maps import build_map, to_png, to_svg
from trucewatch.service import run_demo


def test_svg_and_png_of_the_demo_case() -> None:
    ev = run_demo()
    pic = build_map(ev.agreement, ev.incidents, ev.findings, places=Gazetteer.shipped().places)
    markers = [m for m in pic.marks if m.kind == "marker" and m.title]
    assert len(markers) == len([i for i in ev.incidents if i.location.latitude is not None])
    convoy = next(m for m in markers if m.title.startswith("TW-SYR-0023"))
    assert (convoy.shape, convoy.title.endswith("violation")) == ("circle", True)
    assert any(m.shape == "square" for m in markers)  # spoiler activity (IS)
    svg = to_svg(pic)
    assert svg.startswith("<svg") and "Besieged east Aleppo (approximation)" in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    png = to_png(pic)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (pic.width * 2, pic.height * 2)


def test_boundaries_are_drawn_where_loaded(shared_data: Path) -> None:
    ev = run_demo()
    admin = AdminIndex(read_boundaries(shared_data / "boundaries" / "syr_admin1.geojson"))
    pic = build_map(ev.agreement, ev.incidents, ev.findings, admin=admin)
    names = {m.text for m in pic.marks if m.kind == "text"}
    assert {"Aleppo", "Idleb", "Deir-ez-Zor"} <= names
    assert "grey: admin boundaries" in pic.legend


def test_geo_map_command(tmp_path: Path) -> None:
    out = tmp_path / "map.png"
    result = CliRunner().invoke(
        app,
        [
            "geo",
            "map",
            "--agreement",
            "syria-2016-09-us-russia",
            "--case",
            "syria-2016-09",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = CliRunner().invoke(
        app,
        [
            "geo",
            "map",
            "--agreement",
            "syria-2016-09-us-russia",
            "--case",
            "syria-2016-09",
            "--out",
            str(tmp_path / "m.pdf"),
        ],
    )
    assert bad.exit_code == 1 and "'m.pdf' is neither .png nor .svg" in bad.stderr
    assert case_files("syria-2016-09").incidents.exists()
