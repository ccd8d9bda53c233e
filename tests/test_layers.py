"""The layers of issue 15, enforced: the contracts live in pyproject.toml
(`[tool.importlinter]`) and import-linter checks them on the installed
package — the runtime stands alone (it imports only `garant.core`), the
front end imports no back end, back ends are handed compiled products by
`compiler.driver` and never import it, nothing imports the CLI, and no
stage has an import cycle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_root_holds_only_the_entry_points():
    """Stage chaining lives in the stages (dsl/pipeline.py, compiler/driver.py),
    not in root modules: the root has the package marker, the CLI and its
    `python -m garant` launcher."""
    assert sorted(p.name for p in ROOT.glob("*.py")) == ["__init__.py", "__main__.py", "cli.py"]


def test_a_broken_layer_is_seen(tmp_path):
    """The check can fail: with the two lowest layers swapped, the
    runtime's real imports of `garant.core` break the contract."""
    config = tmp_path / "layers.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "garant"\n'
        '[[tool.importlinter.contracts]]\nname = "core below runtime, reversed"\ntype = "layers"\n'
        'layers = ["garant.core", "garant.compiler.runtime"]\n'
    )
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--config", str(config), "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode != 0
    assert "garant.compiler.runtime" in done.stdout
