"""The README shows what the code prints today: every `$ kgraph ...` example in it is run and its
output compared, so that a sample output or a count cannot drift from the code.

In an example's output, a line `...` stands for any number of lines, and `...` inside a line for
any text (paths, times, build keys that depend on the clock). `http://localhost:7878` is a real
Oxigraph server the test starts, and `http://localhost:7879` a port where nothing listens.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import ROOT, OxigraphServer, free_port

from kgraph.cli import main

README = ROOT / "README.md"
SERVER, NOWHERE = "http://localhost:7878", "http://localhost:7879"


@dataclass
class Example:
    line: int
    command: str
    expected: list[str] = field(default_factory=list)


def examples() -> list[list[Example]]:
    """The `$ ` commands of each code block of the README, with the lines they print.

    The blocks of a tutorial (a section whose heading says Tutorial) are one run: each goes on
    from where the one before left the workspace.
    """
    blocks: list[list[Example]] = []
    inside = tutorial = False
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#") and not inside:
            tutorial = "Tutorial" in line
            if tutorial:
                blocks.append([])
            continue
        if line.startswith("```"):
            inside = not inside
            if inside and not (tutorial and blocks):
                blocks.append([])
            continue
        if not inside:
            continue
        if line.startswith("$ "):
            blocks[-1].append(Example(number, line[2:]))
        elif blocks[-1]:
            blocks[-1][-1].expected.append(line)
    for block in blocks:
        for example in block:
            while example.expected and not example.expected[-1].strip():
                example.expected.pop()
    return [b for b in blocks if b]


def pattern(expected: list[str]) -> re.Pattern[str]:
    """A line `...` matches any lines; `...` in a line matches any text.

    >>> bool(pattern(["a ... c", "...", "z"]).fullmatch("a b c\\nx\\ny\\nz\\n"))
    True
    """
    parts = []
    for line in expected:
        if line.strip() == "...":
            parts.append(r"(?:.*\n)*?")
        else:
            parts.append(".*?".join(map(re.escape, line.split("..."))) + r"\n")
    return re.compile("".join(parts))


def run(example: Example, capsys, workspace: Path, server: str | None, nowhere: str) -> str:
    argv = shlex.split(example.command.replace(SERVER, server or SERVER).replace(NOWHERE, nowhere))
    assert argv[0] == "kgraph", example.command
    main([*argv[1:], "--workspace", str(workspace)])
    out, err = capsys.readouterr()
    shown = (out + err).replace("\r\n", "\n")  # CSV rows end in CRLF, as the W3C format says
    if server:
        shown = shown.replace(server, SERVER)
    return shown.replace(nowhere, NOWHERE).replace(str(workspace), "~/.local/share/kgraph")


BLOCKS = examples()


def test_the_readme_has_examples_to_check():
    commands = [e.command.split()[:2] for b in BLOCKS for e in b]
    assert len(commands) >= 12
    assert ["kgraph", "validate"] in commands and ["kgraph", "stats"] in commands


def _check(block: list[Example], capsys, tmp_path: Path, fresh_kg, server: str | None = None) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    (work / "examples").symlink_to(ROOT / "examples")  # the README's relative paths, writes kept in tmp
    nowhere = f"http://localhost:{free_port()}"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        for example in block:
            if example.command.startswith("oxigraph serve"):
                continue  # the server the fixture started
            shown = run(example, capsys, fresh_kg.workspace, server, nowhere)
            assert pattern(example.expected).fullmatch(shown), f"README.md:{example.line}: $ {example.command}\n{shown}"


LOCAL = [b for b in BLOCKS if not any("oxigraph serve" in e.command or SERVER in e.command for e in b)]
REMOTE = [b for b in BLOCKS if b not in LOCAL]


@pytest.mark.parametrize("block", LOCAL, ids=lambda b: f"line-{b[0].line}")
def test_an_example_prints_what_the_readme_shows(block, capsys, tmp_path, fresh_kg):
    _check(block, capsys, tmp_path, fresh_kg)


@pytest.mark.slow  # starts a real Oxigraph server
@pytest.mark.parametrize("block", REMOTE, ids=lambda b: f"line-{b[0].line}")
def test_an_example_with_a_server_prints_what_the_readme_shows(block, capsys, tmp_path, fresh_kg):
    oxigraph = OxigraphServer(tmp_path / "oxigraph", union=True)
    try:
        _check(block, capsys, tmp_path, fresh_kg, server=oxigraph.base)
    finally:
        oxigraph.stop()
        shutil.rmtree(tmp_path / "oxigraph", ignore_errors=True)
