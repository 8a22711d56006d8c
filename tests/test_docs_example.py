"""The user guides' worked example (Gunungkidul, seed 1, 50,000 households) says what the
commands print: the figures are recomputed here, so a change in the rules or the generator that
moves them fails until the guides are brought up to date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.synth import SynthOptions, synthesise

ROOT = Path(__file__).resolve().parent.parent
REFORMS = ROOT / "src/sejahtera/rulesets/indonesia/reforms"


@pytest.fixture(scope="module")
def gk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("guide") / "gk"
    synthesise(SynthOptions("34.03", 50_000, seed=1), path)
    return path


def simulate(gk: Path, *extra: str) -> dict:
    result = CliRunner().invoke(
        main, ["simulate", str(gk), "--rules", "indonesia", "--json", *extra]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_worked_example_matches_the_guides(gk: Path) -> None:
    english = (ROOT / "docs/user-guide.en.md").read_text("utf-8")
    indonesian = (ROOT / "docs/user-guide.id.md").read_text("utf-8")
    today = simulate(gk)
    pkh, blt = today["programs"]["pkh"], today["programs"]["blt_dana_desa"]
    shown = {
        "pkh families": f"{pkh['families']:,.0f}",
        "blt families": f"{blt['families']:,.0f}",
        "P0 before": f"{100 * today['poverty']['before']['fgt0']:.2f} %",
        "P0 today": f"{100 * today['poverty']['after']['fgt0']:.2f} %",
        "unreached": f"{today['poor_reached_by_none']:,.0f}",
    }
    rules = simulate(gk, "--baseline", "rules")
    shown["rules households"] = f"{rules['programs']['pkh']['households']:,.0f}"
    shown["P0 by the rules"] = f"{100 * rules['poverty']['after']['fgt0']:.2f} %"
    elderly = simulate(gk, "--reform", str(REFORMS / "lansia-daerah.yaml"))["difference"]
    shown["elderly gain"] = f"{elderly['winners']:,.0f}"
    shown["elderly reached"] = f"{elderly['newly_reached_poor']:,.0f}"
    for name, value in shown.items():
        assert value in english, (name, value)
        assert local(value) in indonesian, (name, local(value))


def local(value: str) -> str:
    """The Indonesian way: 36.097, 17,76%."""
    swapped = value.translate(str.maketrans({",": ".", ".": ","}))
    return swapped.replace(" %", "%")
