"""每个笔记本的存储格式：合法的 nbformat、python3 内核、按顺序执行、错误输出都有标记。

这些检查保证 nbval 比较的是“在全新内核里从上到下运行”得到的输出
（由 tools/run_notebooks.py 生成），而不是手工编辑或乱序运行的结果。
"""

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ 下没有笔记本"


def problems_of(path: Path) -> list[str]:
    """返回一个笔记本在存储格式上的所有问题（空列表表示没有问题）。"""
    problems = []
    try:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        nbformat.validate(nb)
    except Exception as err:  # 任何解析或校验错误都算问题
        return [f"不是合法的 nbformat：{err}"]
    if nb.nbformat != 4:
        problems.append(f"nbformat 版本是 {nb.nbformat}，应为 4")
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append(f"kernelspec 应为 python3，实际是 {nb.metadata.get('kernelspec')}")
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    if counts != list(range(1, len(code) + 1)):
        problems.append(f"代码单元格的执行编号应为 1..{len(code)}，实际是 {counts}")
    for i, cell in enumerate(code, 1):
        tags = cell.metadata.get("tags", [])
        errors = [o for o in cell.outputs if o.output_type == "error"]
        # 预期中的错误用 d2lutils.expect_error 演示（不出错、显示信息），在不认识单元格标记的前端
        # （如 Colab）里“全部运行”也不会停下：所以不许有错误输出，也不许有 raises-exception 标记
        if errors:
            problems.append(f"第 {i} 个代码单元格存有错误输出 {errors[0].ename}：预期中的错误请用 d2lutils.expect_error")
        if "raises-exception" in tags:
            problems.append(f"第 {i} 个代码单元格标记了 raises-exception：Colab 不认识它，请改用 d2lutils.expect_error")
        for o in cell.outputs:
            # stderr 只允许出现在演示预期错误的单元格里（expect_error 把错误信息打印到 stderr）
            if o.output_type == "stream" and o.name == "stderr" and "expect_error(" not in cell.source:
                problems.append(f"第 {i} 个代码单元格存有 stderr 输出：{o.text[:80]!r}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_as_run_top_to_bottom(path):
    assert problems_of(path) == []


def _cell(source, outputs=(), count=1, tags=()):
    c = nbformat.v4.new_code_cell(source, execution_count=count)
    c.outputs = list(outputs)
    if tags:
        c.metadata["tags"] = list(tags)
    return c


def _write(tmp_path, cells, kernel="python3"):
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    return path


def test_checker_catches_each_kind_of_problem(tmp_path):
    err = nbformat.v4.new_output("error", ename="ValueError", evalue="x", traceback=[])
    assert problems_of(_write(tmp_path, [_cell("1", count=1), _cell("2", count=3)]))
    assert problems_of(_write(tmp_path, [_cell("1", count=None)]))
    assert problems_of(_write(tmp_path, [_cell("1")], kernel="julia"))
    assert problems_of(_write(tmp_path, [_cell("1", [err])]))
    assert problems_of(_write(tmp_path, [_cell("1", tags=["raises-exception"])]))
    assert problems_of(_write(tmp_path, [_cell("1", [err], tags=["raises-exception"])]))
    stderr = nbformat.v4.new_output("stream", name="stderr", text="ValueError: x\n")
    assert problems_of(_write(tmp_path, [_cell("1", [stderr])]))
    assert not problems_of(_write(tmp_path, [_cell("with d2lutils.expect_error(ValueError):\n    f()", [stderr])]))
    (tmp_path / "bad.ipynb").write_text("{not json")
    assert problems_of(tmp_path / "bad.ipynb")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_learning_goals_are_a_heading_before_the_first_lesson_code(path):
    """“学习目标”是二级标题（出现在目录里），位于设置单元格之后、第一个课程代码单元格之前。"""
    nb = nbformat.read(path, as_version=4)
    after_setup = [c for c in nb.cells if c.get("id") not in ("colab-badge", "colab-setup")][1:]
    opening = []
    for cell in after_setup:
        if cell.cell_type == "code":
            break
        opening.append(cell.source)
    lines = "\n".join(opening).splitlines()
    assert "## 学习目标" in lines, f"{path.name}：开头（第一个代码单元格之前）没有“## 学习目标”标题"
