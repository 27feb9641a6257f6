"""requirements.lock holds the whole tree that ./dev installs: every dependency pyproject.toml names, at the version
it names, each with a hash. A dependency added to pyproject.toml without `./dev lock` fails here, not on a fresh
machine."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[\[=<>!~ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from requirements.lock."""
    text = (ROOT / "requirements.lock").read_text()
    locked = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s\\;]+)", block)
        if match:
            locked[match.group(1).lower().replace("_", "-")] = (match.group(2), block.count("--hash=sha256:"))
    return locked


def test_every_dependency_is_locked_at_its_pinned_version_with_a_hash():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    locked = _locked()
    for requirement in wanted:
        name, version = _name(requirement), requirement.split("==", 1)[1].split(";")[0].strip()
        assert name in locked, f"{name} is in pyproject.toml but not in requirements.lock: run ./dev lock"
        assert locked[name][0] == version, f"{name}: pyproject.toml pins {version}, the lock {locked[name][0]}"


def test_every_locked_package_has_a_hash_and_the_detector_package_is_there():
    locked = _locked()
    assert all(hashes >= 1 for _, hashes in locked.values()), [n for n, (_, h) in locked.items() if not h]
    assert "fastanpr" in locked and "torch" in locked
