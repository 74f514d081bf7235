"""“全部运行”（Run all）在任何前端都一直运行到每一课的最后一个单元格，包括不认识单元格标记、
遇到第一个错误就停下的 Colab。

为什么默认测试里不必再把每一课执行一遍：nbval（pyproject.toml 的 ``--nbval``，不是 ``--nbval-lax``）
本来就在一个全新内核里从上到下运行每一课的每个单元格，任何出错的单元格都让测试失败，除非它带着
nbval 认得的“允许出错”或“跳过”标记。下面第一个测试禁止这些标记（以及 nbclient、JupyterLab 认得的
``raises-exception``、``skip-execution``），tests/test_notebook_format.py 禁止存储的错误输出。
两者合起来，nbval 的这次运行就是 Colab 的“全部运行”：allow_errors=False、不看任何标记。
第二个测试（COURSE_FULL=1，CI 的默认测试线）再用 nbclient 照 Colab 的方式真的执行一遍每一课，
作为直接的证据。
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# 让某个前端或测试工具跳过单元格、或容忍它出错的标记（单元格标签和 nbval 的注释标记）
SKIP_OR_ALLOW_ERROR_TAGS = {"raises-exception", "nbval-raises-exception", "nbval-skip", "skip-execution"}
COMMENT_MARKER = re.compile(r"^\s*#\s*NBVAL_(RAISES_EXCEPTION|SKIP)\s*$", re.M)


def markers_of(nb) -> list[str]:
    """笔记本里让单元格被跳过或容忍出错的标记：“第 n 个代码单元格：标记”。"""
    found = []
    for n, cell in enumerate([c for c in nb.cells if c.cell_type == "code"], 1):
        tags = SKIP_OR_ALLOW_ERROR_TAGS & set(cell.metadata.get("tags", []))
        marker = COMMENT_MARKER.search(cell.source)
        if tags or marker:
            found.append(f"第 {n} 个代码单元格：{sorted(tags) or marker.group(0).strip()}")
    return found


def test_no_cell_is_skipped_or_allowed_to_fail_by_a_marker():
    found = [f"{p.name} 的{m}" for p in NOTEBOOKS for m in markers_of(nbformat.read(p, as_version=4))]
    assert found == [], "这些标记让 nbval 跳过单元格或容忍错误，而 Colab 不认识它们：" + "；".join(found)
    addopts = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r"--nbval(\s|\")", addopts) and "--nbval-lax" not in addopts


def test_marker_check_finds_each_kind():
    cell = nbformat.v4.new_code_cell
    for bad in (cell("1", metadata={"tags": ["raises-exception"]}), cell("1", metadata={"tags": ["nbval-skip"]}),
                cell("# NBVAL_RAISES_EXCEPTION\n1 / 0"), cell("x = 1\n  # NBVAL_SKIP")):
        assert len(markers_of(nbformat.v4.new_notebook(cells=[cell("1"), bad]))) == 1
    ok = nbformat.v4.new_notebook(cells=[cell("# NBVAL_IGNORE_OUTPUT\n1", metadata={"tags": ["nbval-ignore-output"]})])
    assert markers_of(ok) == []


@pytest.mark.full
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_lesson_runs_to_the_end_like_colab_run_all(path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:  # Colab 不看单元格标签；清掉输出，确认下面的每个执行编号都是这次运行的
        cell.metadata.pop("tags", None)
        cell.outputs, cell.execution_count = [], None
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert [c.get("id") for c in code if any(o.output_type == "error" for o in c.outputs)] == []
