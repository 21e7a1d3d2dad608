"""draw/ stays framework-free, and verify.py runs on its own when copied out."""

from __future__ import annotations

import ast
import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import draw
from draw.engine import save_certificate
from draw.records import ConflictPair
from draw.tests.support import entities, inspectors, params, run

ROOT = Path(draw.__file__).resolve().parent.parent


def test_importing_every_module_loads_no_django() -> None:
    names = sorted(
        m.name
        for m in pkgutil.walk_packages(draw.__path__, "draw.")
        if ".tests" not in m.name and m.name != "draw.pg"
    )
    code = (
        "import importlib, sys, json\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'django' "
        "or m.split('.')[0] == 'psycopg')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []
    assert "draw.verify" in names and "draw.columnar" in names


def test_verify_imports_only_the_standard_library() -> None:
    tree = ast.parse((ROOT / "draw" / "verify.py").read_text("utf-8"))
    mods = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            mods.add((node.module or "").split(".")[0])
    assert mods <= set(sys.stdlib_module_names) | {"__future__"}


def test_verifier_copied_out_runs_alone(tmp_path: Path) -> None:
    _, res = run(
        entities(30), inspectors(4), [ConflictPair("D1X000", "E00003")], params(group_count=2)
    )
    path = save_certificate(res.certificate, str(tmp_path / "cert"))
    lone = tmp_path / "elsewhere"
    lone.mkdir()
    shutil.copy(ROOT / "draw" / "verify.py", lone / "verify.py")
    ok = subprocess.run(
        [sys.executable, "-I", str(lone / "verify.py"), path],
        cwd=lone,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "结论 VERDICT: 通过 PASS (all 25 checks passed)" in ok.stdout
    (tmp_path / "cert" / "inspectors.csv").write_bytes(b"")
    bad = subprocess.run(
        [sys.executable, "-I", str(lone / "verify.py"), path],
        cwd=lone,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "失败 FAIL  file:inspectors.csv" in bad.stdout
    mod = subprocess.run(
        [sys.executable, "-m", "draw.verify", path], cwd=ROOT, capture_output=True, text=True
    )
    assert mod.returncode == 1


def test_demo_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "draw.demo"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert out.stdout.count("=> as expected") == 3
