"""d2lutils 可以不经 GitHub 安装：wheel 和 sdist 能构建、通过 twine check，内容和元数据完整。"""

import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import d2lutils

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    # 与 ./course.sh dist 相同：用课程环境里的 setuptools，不联网
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True)
    return out


@pytest.mark.full  # 构建 wheel 和 sdist：COURSE_FULL=1 时运行
def test_wheel_and_sdist_pass_twine_check(dist):
    files = sorted(p.name for p in dist.iterdir())
    version = d2lutils.__version__
    assert files == [f"d2lutils-{version}-py3-none-any.whl", f"d2lutils-{version}.tar.gz"]
    run = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("PASSED") == 2


@pytest.mark.full  # 构建 wheel 和 sdist：COURSE_FULL=1 时运行
def test_wheel_holds_every_module_and_publishable_metadata(dist):
    wheel = next(dist.glob("*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(f"d2lutils-{d2lutils.__version__}.dist-info/METADATA").decode()
    modules = {f"d2lutils/{p.relative_to(ROOT / 'd2lutils').as_posix()}"
               for p in (ROOT / "d2lutils").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert modules <= names, sorted(modules - names)
    assert f"Version: {d2lutils.__version__}" in meta
    assert "License-Expression: Apache-2.0" in meta
    assert re.search(r"^Requires-Python: .*>=3\.\d+", meta, re.M)
    assert "Project-URL: Repository, https://" in meta
    assert "Description-Content-Type: text/markdown" in meta


@pytest.mark.full  # 构建 wheel 和 sdist：COURSE_FULL=1 时运行
def test_sdist_carries_licence_and_project_file(dist):
    with tarfile.open(next(dist.glob("*.tar.gz"))) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    assert {"LICENSE", "pyproject.toml", "docs/package.md", "d2lutils/__init__.py"} <= names


def test_changelog_has_an_entry_for_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(d2lutils.__version__)}（\d{{4}}-\d\d-\d\d）", changelog, re.M)
