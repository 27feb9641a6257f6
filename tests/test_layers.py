"""The apps' layers hold: a lower layer imports nothing of a higher one (the contract in pyproject.toml,
[tool.importlinter]), so the old cycles (agencies <-> sharing, reads <-> hotlists) cannot come back."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_layers_are_kept():
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    assert Path(lint_imports).exists(), "import-linter is a dev dependency (pyproject.toml): pip install it"
    result = subprocess.run(  # noqa: S603 - our own tool, no user input
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
