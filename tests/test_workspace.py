"""学习者的副本 my-notebooks/（tools/workspace.py）：第一次使用时建立，不被悄悄覆盖，
课程更新时保留改过的副本并提示，reset 恢复一课；git pull 不与它冲突；测试从不收集它。"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import workspace  # noqa: E402

LESSONS = ["01_corr2d.ipynb", "03_learn_kernel.ipynb"]


def make_course(root: Path) -> None:
    (root / "notebooks").mkdir(parents=True)
    for name in LESSONS:
        shutil.copy(ROOT / "notebooks" / name, root / "notebooks" / name)


def edit_notebook(path: Path, change) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    change(nb)
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")


def add_exercise(nb):  # 学习者在第一个代码单元格后写了自己的代码
    nb["cells"][3]["source"] = "# 我的练习\nprint(1 + 1)\n"


def open_and_run(nb):  # JupyterLab 打开并运行：元数据和输出变了，源代码没变
    nb["metadata"]["language_info"]["version"] = "3.11.9"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None


def course_update(nb):  # 课程更新：改了一个 Markdown 单元格
    nb["cells"][0]["source"] = "".join(nb["cells"][0]["source"]) + "\n（新版）"


def test_first_use_copies_then_leaves_copies_alone(tmp_path):
    make_course(tmp_path)
    notes = workspace.Workspace(tmp_path).sync()
    work = tmp_path / "my-notebooks"
    assert len(notes) == 1 and "my-notebooks/" in notes[0] and "reset" in notes[0]
    for name in LESSONS:
        assert (work / name).read_bytes() == (tmp_path / "notebooks" / name).read_bytes()
    edit_notebook(work / LESSONS[0], add_exercise)
    before = (work / LESSONS[0]).read_bytes()
    assert workspace.Workspace(tmp_path).sync() == []
    assert (work / LESSONS[0]).read_bytes() == before


def test_course_update_keeps_edited_copy_and_refreshes_untouched_one(tmp_path):
    make_course(tmp_path)
    workspace.Workspace(tmp_path).sync()
    work, originals = tmp_path / "my-notebooks", tmp_path / "notebooks"
    edit_notebook(work / LESSONS[0], add_exercise)
    edit_notebook(work / LESSONS[1], open_and_run)
    mine = (work / LESSONS[0]).read_bytes()
    for name in LESSONS:
        edit_notebook(originals / name, course_update)
    shutil.copy(ROOT / "notebooks" / "02_conv2d_block.ipynb", originals)  # 新的一课

    notes = workspace.Workspace(tmp_path).sync()
    assert (work / LESSONS[0]).read_bytes() == mine  # 改过的副本保持不动
    assert (work / LESSONS[1]).read_bytes() == (originals / LESSONS[1]).read_bytes()  # 没改过的换成新版
    assert (work / "02_conv2d_block.ipynb").exists()
    text = "\n".join(notes)
    assert "02_conv2d_block.ipynb" in text
    assert "第 01 课有新版本" in text and "./course.sh reset 01" in text
    assert "第 03 课已更新" in text
    # 每次启动都提醒，直到学习者 reset
    assert any("第 01 课有新版本" in n for n in workspace.Workspace(tmp_path).sync())

    msg = workspace.Workspace(tmp_path).reset("01")
    assert (work / LESSONS[0]).read_bytes() == (originals / LESSONS[0]).read_bytes()
    backups = list((work / "backups").glob("01_corr2d-*.ipynb"))
    assert len(backups) == 1 and backups[0].read_bytes() == mine
    assert str(backups[0].relative_to(tmp_path)) in msg
    assert workspace.Workspace(tmp_path).sync() == []


def test_reset_takes_lesson_numbers_and_rejects_unknown_ones(tmp_path):
    make_course(tmp_path)
    ws = workspace.Workspace(tmp_path)
    assert "03_learn_kernel.ipynb" in ws.reset("3")  # 还没有副本时也能用，不需要备份
    assert not (tmp_path / "my-notebooks" / "backups").exists()
    with pytest.raises(SystemExit, match="找不到第 “07” 课。可用的课号：01、03"):
        ws.reset("07")


def git(cwd, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout


def test_learner_copy_survives_git_pull_that_changes_the_lesson(tmp_path):
    upstream, clone = tmp_path / "upstream", tmp_path / "clone"
    make_course(upstream)
    (upstream / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "workspace.py", upstream / "tools")
    shutil.copy(ROOT / ".gitignore", upstream)
    git(upstream, "init", "-q", "-b", "main")
    git(upstream, "add", ".")
    git(upstream, "commit", "-q", "-m", "course")
    git(tmp_path, "clone", "-q", str(upstream), str(clone))

    run = [sys.executable, "tools/workspace.py", "sync"]
    subprocess.run(run, cwd=clone, check=True, capture_output=True)
    edit_notebook(clone / "my-notebooks" / LESSONS[0], add_exercise)
    mine = (clone / "my-notebooks" / LESSONS[0]).read_bytes()
    assert git(clone, "status", "--porcelain") == ""

    edit_notebook(upstream / "notebooks" / LESSONS[0], course_update)
    git(upstream, "commit", "-q", "-am", "update lesson 01")
    git(clone, "pull", "-q")
    assert git(clone, "status", "--porcelain") == ""
    out = subprocess.run(run, cwd=clone, check=True, capture_output=True, text=True)
    assert (clone / "my-notebooks" / LESSONS[0]).read_bytes() == mine
    assert "第 01 课有新版本" in out.stderr and "./course.sh reset 01" in out.stderr


@pytest.mark.full  # 较慢：COURSE_FULL=1 时运行
def test_pytest_never_collects_the_learner_copy(tmp_path):
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path)
    (tmp_path / "tests").mkdir()
    for name in ("nbval_figures.py", "nbval_sanitize.cfg", "forked_kernels.py"):  # 根目录 conftest.py 和 addopts 用到的
        shutil.copy(ROOT / "tests" / name, tmp_path / "tests")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "my-notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / LESSONS[0], tmp_path / "notebooks")
    shutil.copy(ROOT / "notebooks" / LESSONS[0], tmp_path / "my-notebooks")
    # 明确要求收集整个目录（默认的 testpaths 本来就只有 tests 和 notebooks）
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "."],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "notebooks/01_corr2d.ipynb::Cell 0" in out.stdout, out.stdout + out.stderr
    assert "my-notebooks" not in out.stdout
