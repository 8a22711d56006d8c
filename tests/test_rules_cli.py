"""`sejahtera rules test`: the OpenFisca-style YAML test format."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from sejahtera.cli import main

SHIPPED = Path(__file__).resolve().parent.parent / "src/sejahtera/rulesets/indonesia/tests"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_the_shipped_cases_pass() -> None:
    result = run("--lang", "en", "rules", "test", str(SHIPPED), "--rules", "indonesia")
    assert result.exit_code == 0, result.output
    passed = re.search(r"(\d+) passed, 0 failed$", result.stdout.strip())
    assert passed and int(passed.group(1)) >= 13, result.stdout


def test_failures_are_counted_and_named(tmp_path: Path) -> None:
    (tmp_path / "cases.yaml").write_text(
        """\
- name: right
  period: 2025
  input: {age: 40, desil: 2}
  output: {sembako: 2400000}
- name: wrong within the margin
  period: 2025
  absolute_error_margin: 1000
  input: {age: 40, desil: 2}
  output: {sembako: 2400500}
- name: wrong
  period: 2025-02
  input: {age: 40, desil: 2}
  output: {sembako: 250000}
"""
    )
    result = run("--lang", "en", "rules", "test", str(tmp_path), "--rules", "indonesia")
    assert result.exit_code == 1
    assert "2 passed, 1 failed" in result.stdout
    assert "line 13, 'wrong': sembako@2025-02 expected 250000, got [200000.0]" in result.stdout


def test_reforms_from_the_command_line_and_in_a_case(tmp_path: Path) -> None:
    (tmp_path / "blt.yaml").write_text(
        "parameters:\n  blt_dana_desa.active: {2025-01-01: {value: true}}\n"
        "  sembako.max_desil: {2025-01-01: {value: 0}}\n"
    )
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "blt.yaml").write_text(
        """\
name: BLT for a desil-1 household outside PKH and Sembako
period: 2025
reforms: [../blt.yaml]
input: {age: 40, desil: 1}
output: {blt_dana_desa: "12 * 300000", sembako: 0}
"""
    )
    result = run("rules", "test", str(tmp_path / "cases"), "--rules", "indonesia")
    assert result.exit_code == 0, result.output
    assert "2 passed, 0 failed" in result.stdout
    (tmp_path / "plain.yaml").write_text(
        "name: p\nperiod: 2025\ninput: {age: 40, desil: 1}\noutput: {blt_dana_desa: 3600000}\n"
    )
    result = run(
        "rules",
        "test",
        str(tmp_path / "plain.yaml"),
        "--rules",
        "indonesia",
        "--reform",
        str(tmp_path / "blt.yaml"),
    )
    assert result.exit_code == 0, result.output


def test_mistakes_in_cases_are_named(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: x\nperiod: 2025\ninput: {}\noutput: {bogus: 1}\n")
    result = run(
        "--lang", "en", "rules", "test", str(tmp_path / "bad.yaml"), "--rules", "indonesia"
    )
    assert result.exit_code == 2 and "bad.yaml, line 4" in result.stderr
    assert "bogus" in result.stderr and "Traceback" not in result.output
    result = run("--lang", "en", "rules", "test", str(tmp_path / "bad.yaml"), "--rules", "nowhere")
    assert result.exit_code == 2 and "nowhere" in result.stderr


def test_a_bad_reform_is_reported_before_the_data_is_read(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("parameters:\n  sembako.amout: {2025-01-01: {value: 1}}\n")
    missing = tmp_path / "no-such-dataset"
    result = run(
        "--lang", "en", "simulate", str(missing), "--rules", "indonesia",
        "--reform", str(tmp_path / "bad.yaml"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "bad.yaml, line 2" in result.output and "sembako.amout" in result.output
    assert str(missing) not in result.output


def test_roles_are_the_schema_relationships(tmp_path: Path) -> None:
    from sejahtera.rules.ruleset import load_ruleset

    assert set(load_ruleset("indonesia").roles.values()) == {
        "head", "spouse", "child", "parent", "other",
    }  # fmt: skip
    (tmp_path / "reform.yaml").write_text(
        "variables:\n  add:\n    grandparents:\n      entity: household\n      type: float\n"
        "      period: year\n      formula: 'members.count(true, \"grandparent\")'\n"
    )
    result = run(
        "--lang", "en", "rules", "test", str(SHIPPED), "--rules", "indonesia",
        "--reform", str(tmp_path / "reform.yaml"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "reform.yaml, line 7" in result.output and "'grandparent'" in result.output
