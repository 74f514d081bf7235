"""老师用的 nbgitpuller 链接（./course.sh links）：每课一个，地址可解析回仓库、分支和要打开的笔记本。"""

import importlib.util
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("class_links", ROOT / "tools" / "class_links.py")
class_links = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(class_links)


def test_one_link_per_lesson_that_round_trips():
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "class_links.py"),
                          "--hub", "https://hub.example.edu/", "--repo", "https://gitee.com/org/kecheng.git"],
                         capture_output=True, text=True, check=True)
    rows = [line for line in run.stdout.splitlines() if "git-pull?" in line]
    lessons = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert len(rows) == len(lessons)
    for row, name in zip(rows, lessons):
        url = urlparse(row.split("](", 1)[1].rstrip(") |"))
        assert (url.scheme, url.netloc, url.path) == ("https", "hub.example.edu", "/hub/user-redirect/git-pull")
        q = parse_qs(url.query)
        assert q["repo"] == ["https://gitee.com/org/kecheng.git"] and q["branch"] == ["main"]
        assert q["urlpath"] == [f"lab/tree/kecheng/notebooks/{name}"]


def test_default_repository_comes_from_pyproject():
    assert class_links.default_repo().startswith("https://")


@pytest.mark.parametrize("hub, app, message", [
    ("hub.example.edu", "lab", "完整地址"),
    ("https://hub.example.edu", "vscode", "'lab' 或 'notebook'"),
])
def test_bad_arguments_get_chinese_errors(hub, app, message):
    with pytest.raises(ValueError, match=message):
        class_links.pull_link(hub, "https://example.org/a/b", "01_corr2d.ipynb", app=app)
