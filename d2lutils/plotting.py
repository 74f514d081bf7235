"""画图：中文字体与热图。matplotlib 只在第一次画图时导入。"""

from __future__ import annotations

import os
import warnings
from typing import Sequence

from ._arrays import as_nd

# Debian/Ubuntu、Colab（apt 安装后）、macOS 和 Windows 上常见的中文字体文件
_CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
# 没有 root、不能 apt 安装字体的在线 Jupyter（如 Colab）上，设置单元格用 pip 安装这个包：
# 它只含文泉驿微米黑 wqy-microhei.ttc，与 Debian 的 fonts-wqy-microhei 逐字节相同
PIP_FONT_PACKAGE = "paperang_p2_fonts_cjk"
_CJK_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC",
                 "Noto Sans CJK JP", "PingFang SC", "Microsoft YaHei", "SimHei")
_font_family: str | None = None
_font_checked = False


def _pip_font_files() -> tuple[str, ...]:
    """pip 安装的中文字体文件（PIP_FONT_PACKAGE，不导入它）。"""
    import importlib.util

    spec = importlib.util.find_spec(PIP_FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return ()
    return tuple(os.path.join(d, "fonts", "wqy-microhei.ttc") for d in spec.submodule_search_locations)


def use_cjk_font() -> str | None:
    """让 matplotlib 用中文字体显示标题和标签，返回字体名；找不到字体时返回 None。

    直接注册已知的字体文件，因此字体在 matplotlib 建立字体缓存之后才安装也能找到。
    没有中文字体的机器上中文会显示为方框，但不会输出 “Glyph ... missing” 警告，
    所以笔记本在有字体和没有字体的机器上输出相同。第一次画图时自动调用。
    """
    global _font_family, _font_checked
    if _font_checked:
        return _font_family
    import matplotlib
    from matplotlib import font_manager

    for path in _CJK_FONT_FILES + _pip_font_files():
        if os.path.exists(path):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):  # 损坏的字体文件：跳过
                continue
    installed = {f.name for f in font_manager.fontManager.ttflist}
    _font_family = next((name for name in _CJK_FAMILIES if name in installed), None)
    if _font_family is not None:
        matplotlib.rcParams["font.sans-serif"] = [_font_family, "DejaVu Sans"]
        matplotlib.rcParams["font.family"] = "sans-serif"
    else:
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
    matplotlib.rcParams["axes.unicode_minus"] = False  # 中文字体大多没有 Unicode 减号
    _font_checked = True
    return _font_family


def _matrix_panel(ax, m, title: str, annotate: bool, title_size: float | None = None,
                  **imshow_kwargs) -> None:
    """在 ax 上把矩阵 m 画成图像（可在每格标出数值），不画刻度。"""
    import numpy as onp

    ax.imshow(m, **imshow_kwargs)
    ax.set_title(title, fontsize=title_size)
    ax.set_xticks([])
    ax.set_yticks([])
    if annotate:
        for (i, j), v in onp.ndenumerate(m):
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=8)


def show_heatmaps(arrays: Sequence[object], titles: Sequence[str],
                  cmap: str = "coolwarm", annotate: bool = True,
                  cell_size: float = 0.45) -> None:
    """把若干个二维数组并排画成热图（可标出每个元素的值），每个图带中文标题。

    arrays: 二维 ``nd``/``mx.np`` 数组或 NumPy 数组的列表。见第 01 课。
    """
    import matplotlib.pyplot as plt
    import numpy as onp

    use_cjk_font()
    mats = [a if isinstance(a, onp.ndarray) else as_nd(a, "arrays 中的元素").asnumpy()
            for a in arrays]
    if len(titles) != len(mats):
        raise ValueError(f"titles 有 {len(titles)} 个，而 arrays 有 {len(mats)} 个，两者应一一对应。")
    widths = [m.shape[1] for m in mats]
    height = max(m.shape[0] for m in mats)
    fig, axes = plt.subplots(
        1, len(mats), figsize=(max(cell_size * (sum(widths) + 2 * len(mats)), 3),
                               cell_size * height + 1.0),
        gridspec_kw={"width_ratios": widths}, squeeze=False)
    vmax = max(float(onp.abs(m).max()) for m in mats) or 1.0
    for ax, m, title in zip(axes[0], mats, titles):
        _matrix_panel(ax, m, title, annotate, cmap=cmap, vmin=-vmax, vmax=vmax)
    fig.tight_layout()
    plt.show()


def plot(X: Sequence, Y: Sequence, xlabel: str | None = None, ylabel: str | None = None,
         legend: Sequence[str] | None = None, title: str | None = None,
         xscale: str = "linear", yscale: str = "linear",
         figsize: tuple[float, float] = (4.5, 3.0), fmts: Sequence[str] = ("-", "m--", "g-.", "r:")) -> None:
    """画一条或多条曲线（中文标签），然后显示。不返回任何对象，笔记本里不会多出输出。

    X、Y: 一条曲线的数值序列，或多条曲线的序列列表（X 也可以是所有曲线共用的一条）。
    见第 03 课（损失曲线）；第 05、09 课也用它。
    """
    import matplotlib.pyplot as plt

    use_cjk_font()

    def is_series_list(v):
        return len(v) > 0 and hasattr(v[0], "__len__")

    Ys = list(Y) if is_series_list(Y) else [Y]
    Xs = list(X) if is_series_list(X) else [X] * len(Ys)
    if len(Xs) != len(Ys):
        raise ValueError(f"X 有 {len(Xs)} 条曲线，Y 有 {len(Ys)} 条，两者应一一对应。")
    fig, ax = plt.subplots(figsize=figsize)
    for i, (x, y) in enumerate(zip(Xs, Ys)):
        ax.plot(x, y, fmts[i % len(fmts)])
    ax.set_xscale(xscale)
    ax.set_yscale(yscale)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(legend)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    plt.show()


def show_im2col(X: object, kernel_size: int | tuple[int, int], highlight: Sequence[int] = (0, 1),
                cell_size: float = 0.42) -> None:
    """画出 im2col：左边是二维输入 X，右边是展开矩阵（每列是一个窗口拉平后的元素）。

    highlight 中的各个窗口在 X 上用彩色方框标出，对应的列在展开矩阵上用同色方框标出。
    X: (h, w) 的 ``nd``/``mx.np`` 数组；窗口步幅为 1、无填充。见第 05 课。
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from .conv import _pair, im2col

    use_cjk_font()
    k_h, k_w = _pair(kernel_size, "窗口大小 kernel_size", 1)
    x = as_nd(X, "输入 X").asnumpy()
    cols = as_nd(im2col(X, (k_h, k_w)), "展开矩阵").asnumpy()
    out_w = x.shape[1] - k_w + 1
    colors = ("tab:red", "tab:orange", "tab:purple", "tab:green")
    fig, axes = plt.subplots(
        1, 2, figsize=(cell_size * (x.shape[1] + cols.shape[1] + 4),
                       cell_size * max(x.shape[0], cols.shape[0]) + 1.2),
        gridspec_kw={"width_ratios": [x.shape[1], cols.shape[1]]})
    for ax, m, title in zip(axes, (x, cols), (f"输入 X {x.shape[0]}x{x.shape[1]}",
                                             f"展开矩阵 {cols.shape[0]}x{cols.shape[1]}（每列一个窗口）")):
        span = float(m.max() - m.min()) or 1.0
        _matrix_panel(ax, m, title, True, title_size=10, cmap="Blues",  # 浅色，数字看得清
                      vmin=m.min() - 0.2 * span, vmax=m.max() + 1.5 * span)
    for n, j in enumerate(highlight):
        color = colors[n % len(colors)]
        top, left = divmod(j, out_w)
        axes[0].add_patch(Rectangle((left - 0.5, top - 0.5), k_w, k_h, fill=False, lw=2.5, ec=color))
        axes[1].add_patch(Rectangle((j - 0.5, -0.5), 1, cols.shape[0], fill=False, lw=2.5, ec=color))
    fig.tight_layout()
    plt.show()
