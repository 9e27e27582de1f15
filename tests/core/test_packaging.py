"""Both a regular and an editable install expose ingest/, queries/ and api/ under graphscope."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAPPED = (
    "graphscope.ingest",
    "graphscope.queries",
    "graphscope.api",
    "graphscope.iam",
    "graphscope.store",
)


def _venv_python(tmp: Path) -> Path:
    # System site-packages provide the runtime dependencies; the project itself goes in --no-deps.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(tmp)
    return tmp / "bin" / "python"


def _install(py: Path, *args: str) -> None:
    # --no-build-isolation: the build tools come from the dev extra, so no network is needed.
    cmd = [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", *args]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _where(py: Path, module: str) -> str:
    code = f"import importlib; m = importlib.import_module({module!r}); print(m.__file__)"
    out = subprocess.run([str(py), "-c", code], check=True, capture_output=True, text=True, cwd="/")
    return out.stdout.strip()


@pytest.mark.parametrize("editable", [False, True], ids=["regular", "editable"])
def test_install_maps_top_level_folders_into_graphscope(tmp_path: Path, editable: bool) -> None:
    py = _venv_python(tmp_path / "venv")
    _install(py, "-e", str(REPO)) if editable else _install(py, str(REPO))
    for module in MAPPED:
        where = Path(_where(py, module))
        if editable:
            assert REPO in where.parents, f"{module} should load from the work tree, got {where}"
        else:
            assert (tmp_path / "venv") in where.parents, (
                f"{module} should load from the venv, got {where}"
            )
    # the short names must not leak into the global namespace
    leak = subprocess.run([str(py), "-c", "import ingest"], capture_output=True, text=True, cwd="/")
    assert leak.returncode != 0


def test_every_package_folder_is_listed_in_pyproject() -> None:
    """setuptools installs only the packages listed; a forgotten one works editable and breaks
    a regular install (graphscope.access once did)."""
    import tomllib

    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(cfg["packages"])
    roots = {folder: name for name, folder in cfg["package-dir"].items()}
    found = set()
    for folder, name in roots.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            found.add(".".join([name, *rel.parts]))
    assert found - listed == set(), f"add these to [tool.setuptools] packages: {found - listed}"
