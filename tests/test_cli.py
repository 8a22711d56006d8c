"""The `sejahtera` command: synth, describe, regions, and documentation of every command."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.data.dataset import Dataset

ROOT = Path(__file__).resolve().parent.parent


def test_synth_then_describe(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "bantul"
    result = runner.invoke(
        main,
        ["synth", "--region", "34.02", "--households", "2000", "--seed", "5", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "2000" in result.stdout and "Wilayah sintetis" in result.stdout
    described = runner.invoke(main, ["data", "describe", str(out), "--json"])
    summary = json.loads(described.stdout)
    assert summary["households"] == 2000
    assert [r["code"] for r in summary["regencies"]] == ["34.02"]
    columns = {c["column"]: c for c in summary["columns"]["persons"]}
    assert set(columns["sex"]["values"]) == {"M", "F"}
    assert columns["age"]["min"] >= 0 and columns["age"]["max"] <= 120
    text = runner.invoke(main, ["--lang", "en", "data", "describe", str(out)]).stdout
    assert "2000 households" in text and "Kabupaten Bantul" in text


def test_synth_refuses_to_overwrite_without_flag(tmp_path: Path) -> None:
    runner = CliRunner()
    args = [
        "synth",
        "--region",
        "34.71",
        "--households",
        "300",
        "--out",
        str(tmp_path / "k"),
        "--quiet",
    ]
    assert runner.invoke(main, args).exit_code == 0
    before = Dataset.open(tmp_path / "k").manifest.files
    again = runner.invoke(main, [*args, "--seed", "9"])
    assert again.exit_code == 2
    assert "--overwrite" in again.stderr and "Traceback" not in again.output
    assert Dataset.open(tmp_path / "k").manifest.files == before
    assert runner.invoke(main, [*args, "--seed", "9", "--overwrite"]).exit_code == 0
    assert Dataset.open(tmp_path / "k").manifest.files != before


def test_unknown_region_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "--lang",
            "en",
            "synth",
            "--region",
            "77",
            "--households",
            "10",
            "--out",
            str(tmp_path / "x"),
        ],
    )
    assert result.exit_code == 2
    assert "Unknown region code: 77" in result.stderr
    assert not (tmp_path / "x").exists()


def test_regions_lists_children() -> None:
    result = CliRunner().invoke(main, ["regions", "34.04.13"])
    assert result.exit_code == 0
    assert "Caturharjo" in result.stdout and "34.04.13.2005" in result.stdout
    assert CliRunner().invoke(main, ["regions", "12.99"]).exit_code == 2


def commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            names += commands(command, full + " ")
        else:
            names.append(full)
    return names


def test_every_command_and_option_is_documented() -> None:
    guides = [ROOT / "docs" / "user-guide.id.md", ROOT / "docs" / "user-guide.en.md"]
    for guide in guides:
        content = guide.read_text("utf-8")
        for name in commands(main):
            assert f"sejahtera {name}" in content, f"{guide.name} lacks 'sejahtera {name}'"
            command = main
            for part in name.split():
                command = command.commands[part]  # type: ignore[attr-defined]
            for param in command.params:
                for option in getattr(param, "opts", []):
                    if option.startswith("--"):
                        assert option in content, f"{guide.name} lacks {option} of {name}"


def test_serve_on_a_port_in_use_is_a_clear_error() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["--lang", "en", "serve", "--port", str(port)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"Cannot open http://127.0.0.1:{port}" in result.stderr


def test_serve_answers_over_http(diy: Dataset) -> None:
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "sejahtera", "serve", "--port", str(port),
               "--dataset", str(diy.path)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert "http://127.0.0.1:" in (server.stdout.readline() if server.stdout else "")
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.2)
        assert "Kabupaten Sleman" in page
    finally:
        server.terminate()
        server.wait(timeout=10)
