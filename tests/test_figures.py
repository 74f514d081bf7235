"""图的回归测试（tests/nbval_figures.py）本身的测试：每张存储的图都被比较；
换掉一张图、改动画图的代码、少一张图，nbval 都必须失败，并说出笔记本和单元格。"""

import base64
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

import nbval_figures as F

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LESSON = ROOT / "notebooks" / "01_corr2d.ipynb"
SKIP_MARKERS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "NBVAL_RAISES_EXCEPTION")


def figure_cells(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [cell for cell in nb["cells"] if F.pngs(cell.get("outputs", []))]


def is_heatmap_cell(cell) -> bool:
    """第 01 课画 X、K、Y 热图的单元格（它之前还有别的图，所以按代码找，不按位置找）。"""
    return bool(F.pngs(cell.get("outputs", []))) and "[X, K, Y]" in "".join(cell["source"])


def png64(img: np.ndarray) -> str:
    buf = io.BytesIO()
    image.imsave(buf, np.clip(img, 0, 1), format="png")
    return base64.b64encode(buf.getvalue()).decode()


def ignored_with_reason(source: str) -> bool:
    """单元格以 # NBVAL_IGNORE_OUTPUT 开头，下一行是说明原因的注释（CONTRIBUTING 的写法）。"""
    lines = [line.strip() for line in source.splitlines()]
    return (len(lines) >= 2 and lines[0] == "# NBVAL_IGNORE_OUTPUT"
            and lines[1].startswith("#") and len(lines[1].lstrip("# ")) >= 6)


def test_every_stored_figure_is_compared():
    """nbval 跳过的单元格里的图不会被比较：除了写明原因的（单元格开头 # NBVAL_IGNORE_OUTPUT 加一行说明，
    或 VARYING_FIGURES），不许有这样的图。"""
    found, varying, ignored = 0, set(), []
    for path in NOTEBOOKS:
        for cell in figure_cells(path):
            source = "".join(cell["source"])
            skipped = [m for m in SKIP_MARKERS if m in source]
            skipped += [t for t in cell["metadata"].get("tags", []) if t.startswith("nbval-")]
            if (path.name, cell["id"]) in F.VARYING_FIGURES:
                varying.add((path.name, cell["id"]))
            elif skipped == ["NBVAL_IGNORE_OUTPUT"] and ignored_with_reason(source):
                ignored.append((path.name, cell["id"]))
            else:
                assert not skipped, (
                    f"{path.name} 的单元格 {cell['id']} 里的图不会被比较（{skipped}）：把图放进比较输出的单元格；"
                    "确实每次运行都不同的图，在单元格开头写 # NBVAL_IGNORE_OUTPUT，下一行用注释说明原因")
                found += 1
    assert varying == set(F.VARYING_FIGURES), "VARYING_FIGURES 中有不存在的单元格或没有图的单元格，删掉它们"
    assert found >= 10
    # 不比较的图只能是少数（目前只有第 05 课的耗时曲线）
    assert len(ignored) + len(varying) <= 2, f"不比较的图太多：{ignored + sorted(varying)}"


def test_distance_tolerates_small_shifts_but_not_changes():
    heatmap = next(c for c in figure_cells(LESSON) if is_heatmap_cell(c))
    stored = F.decode_png(F.pngs(heatmap["outputs"])[0])
    assert F.figure_distance(stored, stored) == 0
    shifted = np.roll(stored, (2, -2), axis=(0, 1))  # 整张图移动 2 个像素（字体微调、版本差别）
    assert F.figure_distance(stored, shifted) <= F.TOLERANCE
    assert F.figure_distance(stored, np.ones_like(stored)) > 0.9  # 空白
    assert F.figure_distance(stored, stored[:, ::-1]) > F.TOLERANCE  # 左右翻转
    assert F.size_change(stored, stored[:-30]) > F.SIZE_TOLERANCE


def run_nbval(path: Path) -> subprocess.CompletedProcess:
    (path.parent / "pytest.ini").write_text("[pytest]\n")  # 不继承本仓库的 addopts/testpaths
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.nbval_figures",
         f"--rootdir={path.parent}",  # 否则 pytest 把下一个选项的值（仓库里的文件）也算进 rootdir 的推断
         "--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
         "-W", "ignore::DeprecationWarning", str(path)],
        cwd=path.parent, capture_output=True, text=True, timeout=300,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"})


@pytest.mark.full  # 较慢：COURSE_FULL=1 时运行
def test_changed_figures_fail_the_suite_and_are_saved(tmp_path):
    """第 01 课截到热图为止，热图单元格之后追加三个改坏的副本：
    存储的图换成空白、画图的代码把输出 Y 取负（存储的图不变）、存储的输出里没有那张图。"""
    nb = json.loads(LESSON.read_text(encoding="utf-8"))
    n = next(i for i, c in enumerate(nb["cells"]) if is_heatmap_cell(c))
    del nb["cells"][n + 1:]
    fig_cell = nb["cells"][n]
    code_num = sum(c["cell_type"] == "code" for c in nb["cells"]) - 1  # nbval 的 Cell 编号

    def variant(suffix):
        cell = json.loads(json.dumps(fig_cell))
        cell["id"] = f"{fig_cell['id']}-{suffix}"
        nb["cells"].append(cell)
        return cell, next(o for o in cell["outputs"] if "image/png" in o.get("data", {}))

    stored = F.decode_png(F.pngs(fig_cell["outputs"])[0])
    _, out = variant("blank")
    out["data"]["image/png"] = png64(np.ones_like(stored))
    cell, _ = variant("negated")
    cell["source"] = "".join(cell["source"]).replace("[X, K, Y]", "[X, K, -Y]")
    assert "-Y" in cell["source"]
    _, out = variant("missing")
    del out["data"]["image/png"]  # 文字形式 <Figure size ...> 还在，nbval 自己看不出少了图
    copy = tmp_path / LESSON.name
    copy.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")

    result = run_nbval(copy)
    report = result.stdout
    assert result.returncode == 1, report[-3000:]
    assert "3 failed" in report, report[-3000:]  # 原样的热图单元格（对照）通过
    for k, suffix in enumerate(("blank", "negated", "missing"), start=1):
        assert f"FAILED {LESSON.name}::Cell {code_num + k}" in report
        assert f"{LESSON.name} 的 Cell {code_num + k}（id {fig_cell['id']}-{suffix}）" in report
    assert "存储了 0 张图，重新运行得到 1 张" in report
    saved = sorted(p.name for p in (tmp_path / F.DIFF_DIR).iterdir())
    assert saved == sorted(f"01_corr2d-cell{code_num + k}-{fig_cell['id']}-{suffix}-fig1-{kind}.png"
                           for k, suffix in ((1, "blank"), (2, "negated"))
                           for kind in ("stored", "new", "diff"))
