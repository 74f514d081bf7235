"""全新机器：课程的图不依赖系统字体。CI 运行它（COURSE_FULL=1，.ci/run 的默认测试线）。

在一个看不到任何系统字体的内核里运行第 06 课的前七个代码单元格（两张带中文的图），
存储的图与新图按 nbval 的图比较（tests/nbval_figures.py）必须相同：
- fontconfig 指向一个空的字体目录（FONTCONFIG_FILE）；
- matplotlib 的字体缓存在临时目录（MPLCONFIGDIR），事先只登记 matplotlib 自带的字体
  （matplotlib 除了问 fontconfig，还会直接扫描 /usr/share/fonts 等目录，所以光改 fontconfig 不够）；
- d2lutils 不找系统的中文字体文件（内核启动文件把 ``_CJK_FONT_FILES`` 清空），只剩课程环境自带的
  pip 字体包（requirements.txt 的 paperang-p2-fonts-cjk）。
最后在同一内核里核对用到的字体文件确实只来自 matplotlib 自带的目录和 pip 字体包。
"""

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nbval_figures import compare_cell_figures, pngs

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "06_padding_stride.ipynb"
LAST_CELL = "c10b-pad-fig"  # 第 06 课到这个单元格为止有两张图：覆盖次数的热图（中文标题）和窗口示意图

NO_SYSTEM_FONTS = """\
import d2lutils.plotting
d2lutils.plotting._CJK_FONT_FILES = ()  # 不找系统的中文字体文件：只剩 pip 字体包
"""
FONT_FILES = """\
import json, matplotlib
from matplotlib import font_manager
d2lutils.plotting.use_cjk_font()
print(json.dumps({"family": d2lutils.plotting.use_cjk_font(),
                  "files": sorted({f.fname for f in font_manager.fontManager.ttflist}),
                  "mpl_data": matplotlib.get_data_path()}))
"""


def matplotlib_cache_without_system_fonts(folder: Path) -> None:
    """在 folder 里写一份 matplotlib 的字体缓存，只含 matplotlib 自带的字体。"""
    from matplotlib import font_manager

    scan = font_manager.findSystemFonts
    try:  # FontManager 用 findSystemFonts(自带字体的目录) 和 findSystemFonts()（系统字体）建表：后者返回空
        font_manager.findSystemFonts = lambda fontpaths=None, fontext="ttf": scan(fontpaths, fontext) if fontpaths else []
        fm = font_manager.FontManager()
    finally:
        font_manager.findSystemFonts = scan
    folder.mkdir(parents=True)
    font_manager.json_dump(fm, folder / f"fontlist-v{font_manager.FontManager.__version__}.json")


@pytest.mark.full  # 多启动一个内核（约 3 秒 CPU）：默认的测试命令要在 60 秒内
def test_figures_do_not_depend_on_system_fonts(tmp_path, monkeypatch):
    fonts = tmp_path / "no-fonts"
    fonts.mkdir()
    (tmp_path / "fonts.conf").write_text(
        f"<?xml version='1.0'?>\n<fontconfig><dir>{fonts}</dir><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n")
    matplotlib_cache_without_system_fonts(tmp_path / "mpl")
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-no-system-fonts.py").write_text(NO_SYSTEM_FONTS, encoding="utf-8")
    for name, value in (("FONTCONFIG_FILE", tmp_path / "fonts.conf"), ("MPLCONFIGDIR", tmp_path / "mpl"),
                        ("IPYTHONDIR", tmp_path / "ipython")):
        monkeypatch.setenv(name, str(value))  # 内核继承这些环境变量

    stored = nbformat.read(LESSON, as_version=4)
    code = [c for c in stored.cells if c.cell_type == "code"]
    end = next(i for i, c in enumerate(code) if c.get("id") == LAST_CELL) + 1
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.source) for c in code[:end]]
                                  + [nbformat.v4.new_code_cell(FONT_FILES)], metadata=stored.metadata)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(LESSON.parent)}}).execute()

    seen = json.loads(nb.cells[-1].outputs[-1]["text"])
    assert seen["family"] == "WenQuanYi Micro Hei"
    outside = [f for f in seen["files"] if not f.startswith(seen["mpl_data"]) and "paperang_p2_fonts_cjk" not in f]
    assert outside == [], f"内核还看得到系统字体：{outside}"
    figures = [i for i, c in enumerate(code[:end]) if pngs(c.outputs)]
    assert len(figures) == 2
    for i in figures:
        problems = compare_cell_figures(LESSON, i + 1, code[i].get("id"), nb.cells[i].outputs, code[i].outputs, ROOT)
        assert problems == [], problems
