"""画图：中文字体与热图。matplotlib 只在第一次画图时导入。"""

from __future__ import annotations

import os
import warnings
from typing import Sequence

from ._arrays import as_nd, check_int, check_memory, check_real

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
    import matplotlib

    if _font_checked:
        # 字体只找一次；但 rcParams 可能已被重置（plt.rcdefaults()、rc_context 结束时），每次都确认一下
        if _font_family is not None and matplotlib.rcParams["font.sans-serif"][:1] != [_font_family]:
            _apply_font(matplotlib, _font_family)
        return _font_family
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
        _apply_font(matplotlib, _font_family)
    else:
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        matplotlib.rcParams["axes.unicode_minus"] = False  # 中文字体大多没有 Unicode 减号
    _font_checked = True
    return _font_family


def _apply_font(matplotlib, family: str) -> None:
    matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False  # 中文字体大多没有 Unicode 减号


def _matrix(a: object, where: str):
    """把一个二维数组（``nd``/``mx.np``/NumPy）转成 float64 的 NumPy 矩阵，不合适时给出中文错误。"""
    import numpy as onp

    m = a if isinstance(a, onp.ndarray) else as_nd(a, where).asnumpy()
    if m.dtype.kind not in "biuf":
        raise TypeError(f"{where} 的数据类型是 {m.dtype}，应为数值类型。")
    if m.ndim != 2 or 0 in m.shape:
        raise ValueError(f"{where} 应为非空的二维数组 (高, 宽)，实际形状是 {m.shape}。")
    return m.astype(onp.float64)


def _check_figure(width: float, height: float, what: str) -> None:
    """图的大小（英寸）应为有限正数，且画布（100 dpi，每像素 4 字节）放得进内存。"""
    for name, v in (("宽", width), ("高", height)):
        if not (check_real(v, f"{what}的{name}") > 0):
            raise ValueError(f"{what}的{name}应为正数，实际是 {v!r}。")
    if max(width, height) * 100 >= 2**16:  # matplotlib 画不出每边 2^16 像素以上的图（显示时才报英文错误）
        raise ValueError(f"{what}的大小 {width:g}x{height:g} 英寸（每英寸 100 像素）超过了 matplotlib 的上限"
                         f"（每边 65536 像素）；请减小 cell_size、width 或 figsize。")
    check_memory(int(width * 100) * int(height * 100), 4, f"{width:g}x{height:g} 英寸的{what}")


def _check_cell_size(cell_size: object) -> float:
    if not check_real(cell_size, "cell_size") > 0:
        raise ValueError(f"cell_size（每格的边长，英寸）应为正数，实际是 {cell_size!r}。")
    return float(cell_size)


def _check_cmap(cmap: object) -> None:
    import matplotlib

    if isinstance(cmap, matplotlib.colors.Colormap):
        return
    if not isinstance(cmap, str) or cmap not in matplotlib.colormaps:
        raise ValueError(f"颜色映射 cmap 应为 matplotlib 的颜色映射名（如 'coolwarm'、'Blues'），实际是 {cmap!r}。")


def _matrix_panel(ax, m, title: str, annotate: bool, title_size: float | None = None,
                  **imshow_kwargs) -> None:
    """在 ax 上把矩阵 m 画成图像（可在每格标出数值），不画刻度。"""
    import numpy as onp

    image = ax.imshow(m, **imshow_kwargs)
    ax.set_title(title, fontsize=title_size)
    ax.set_xticks([])
    ax.set_yticks([])
    if annotate:
        for (i, j), v in onp.ndenumerate(m):
            # 文字颜色随格子的颜色而定：深色格子上写白字，浅色格子上写黑字
            r, g, b, _ = image.cmap(image.norm(v))
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
            ax.text(j, i, f"{v + 0.0:g}", ha="center", va="center", fontsize=8,  # -0 写成 0
                    color="white" if dark else "black")


def show_heatmaps(arrays: Sequence[object], titles: Sequence[str],
                  cmap: str = "coolwarm", annotate: bool = True,
                  cell_size: float = 0.45) -> None:
    """把若干个二维数组并排画成热图（可标出每个元素的值），每个图带中文标题。

    arrays: 二维 ``nd``/``mx.np`` 数组或 NumPy 数组的列表。见第 01 课。
    """
    import matplotlib.pyplot as plt
    import numpy as onp

    if not isinstance(arrays, (list, tuple)) or not arrays:
        raise TypeError(f"arrays 应为非空的列表（每个元素是一个二维数组），实际是 {type(arrays).__name__}。")
    mats = [_matrix(a, f"arrays[{i}]") for i, a in enumerate(arrays)]
    if not isinstance(titles, (list, tuple)) or not all(isinstance(t, str) for t in titles):
        raise TypeError(f"titles 应为字符串的列表，实际是 {titles!r:.200}。")
    if len(titles) != len(mats):
        raise ValueError(f"titles 有 {len(titles)} 个，而 arrays 有 {len(mats)} 个，两者应一一对应。")
    _check_cmap(cmap)
    cell_size = _check_cell_size(cell_size)
    widths = [m.shape[1] for m in mats]
    height = max(m.shape[0] for m in mats)
    figsize = (max(cell_size * (sum(widths) + 2 * len(mats)), 3), cell_size * height + 1.0)
    _check_figure(*figsize, "热图")
    use_cjk_font()
    fig, axes = plt.subplots(1, len(mats), figsize=figsize, gridspec_kw={"width_ratios": widths}, squeeze=False)
    finite = [onp.abs(m[onp.isfinite(m)]) for m in mats]  # NaN、无穷大照样画出，但不决定颜色范围
    vmax = max((float(f.max()) for f in finite if f.size), default=0.0) or 1.0
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

    import numpy as onp

    def is_series_list(v):
        return len(v) > 0 and hasattr(v[0], "__len__")

    for name, v in (("X", X), ("Y", Y)):
        if isinstance(v, (str, bytes)) or not hasattr(v, "__len__"):
            raise TypeError(f"{name} 应为数值序列（或序列的列表），实际是 {v!r:.200}。")
    Ys = list(Y) if is_series_list(Y) else [Y]
    Xs = list(X) if is_series_list(X) else [X] * len(Ys)
    if len(Xs) != len(Ys):
        raise ValueError(f"X 有 {len(Xs)} 条曲线，Y 有 {len(Ys)} 条，两者应一一对应。")
    for i, (x, y) in enumerate(zip(Xs, Ys)):
        try:
            xa, ya = onp.asarray(x, dtype=onp.float64), onp.asarray(y, dtype=onp.float64)
        except (TypeError, ValueError):
            raise TypeError(f"第 {i + 1} 条曲线的 X 或 Y 不是数值序列：X={x!r:.100}，Y={y!r:.100}。") from None
        if xa.ndim != 1 or xa.shape != ya.shape:
            raise ValueError(f"第 {i + 1} 条曲线的 X 形状 {xa.shape} 与 Y 形状 {ya.shape} 应相同且为一维。")
    for name, scale in (("xscale", xscale), ("yscale", yscale)):
        if scale not in ("linear", "log", "symlog", "logit"):
            raise ValueError(f"{name} 应为 'linear'、'log'、'symlog' 或 'logit'，实际是 {scale!r}。")
    if legend is not None and (isinstance(legend, str) or len(legend) != len(Ys)):
        raise ValueError(f"legend 应为每条曲线一个名字的列表（共 {len(Ys)} 条），实际是 {legend!r:.200}。")
    if not isinstance(fmts, (list, tuple)) or not fmts or not all(isinstance(f, str) for f in fmts):
        raise TypeError(f"fmts 应为非空的格式字符串列表（如 ['-', 'm--']），实际是 {fmts!r:.200}。")
    try:
        w, h = figsize
    except (TypeError, ValueError):
        raise ValueError(f"figsize 应为 (宽, 高) 二元组（英寸），实际是 {figsize!r}。") from None
    _check_figure(w, h, "图")
    from matplotlib.axes._base import _process_plot_format
    for f in fmts[:len(Ys)]:
        try:
            _process_plot_format(f)
        except ValueError:
            raise ValueError(f"fmts 中的 {f!r} 不是 matplotlib 的格式字符串（如 '-'、'm--'、'g-.'）。") from None
    use_cjk_font()
    fig, ax = plt.subplots(figsize=(w, h))
    for i, (x, y) in enumerate(zip(Xs, Ys)):
        ax.plot(x, y, fmts[i % len(fmts)])
    ax.set_xscale(xscale)
    ax.set_yscale(yscale)
    if xscale == "linear" and all(float(v).is_integer() for x in Xs for v in onp.asarray(x, dtype=onp.float64)):
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # 横轴是迭代周期、步数等整数时不标 1.5 这样的刻度
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


def show_im2col(X: object, kernel_size: int | tuple[int, int], highlight: Sequence[int] | None = None,
                cell_size: float = 0.42) -> None:
    """画出 im2col：左边是二维输入 X，右边是展开矩阵（每列是一个窗口拉平后的元素）。

    highlight 中的各个窗口在 X 上用彩色方框标出，对应的列在展开矩阵上用同色方框标出（默认前两个窗口）。
    X: (h, w) 的 ``nd``/``mx.np`` 数组；窗口步幅为 1、无填充。见第 05 课。
    """
    import matplotlib.pyplot as plt
    import numpy as onp
    from matplotlib.patches import Rectangle

    from ._windows import pair
    from .conv import im2col

    k_h, k_w = pair(kernel_size, "窗口大小 kernel_size", 1)
    x = _matrix(X, "输入 X")
    cols = _matrix(im2col(X, (k_h, k_w)), "展开矩阵")
    out_w = x.shape[1] - k_w + 1
    if highlight is None:
        highlight = [j for j in (0, 1) if j < cols.shape[1]]
    if not isinstance(highlight, (list, tuple)) or not all(
            check_int(j, "highlight 中的窗口编号", 0) < cols.shape[1] for j in highlight):
        raise ValueError(f"highlight 应为窗口编号（0 到 {cols.shape[1] - 1} 的整数）的列表，实际是 {highlight!r:.200}。")
    cell_size = _check_cell_size(cell_size)
    figsize = (cell_size * (x.shape[1] + cols.shape[1] + 4), cell_size * max(x.shape[0], cols.shape[0]) + 1.2)
    _check_figure(*figsize, "图")
    use_cjk_font()
    colors = ("tab:red", "tab:orange", "tab:purple", "tab:green")
    fig, axes = plt.subplots(1, 2, figsize=figsize, gridspec_kw={"width_ratios": [x.shape[1], cols.shape[1]]})
    for ax, m, title in zip(axes, (x, cols), (f"输入 X {x.shape[0]}x{x.shape[1]}",
                                             f"展开矩阵 {cols.shape[0]}x{cols.shape[1]}（每列一个窗口）")):
        finite = m[onp.isfinite(m)]  # NaN、无穷大照样画出，但不决定颜色范围
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        span = hi - lo or 1.0
        _matrix_panel(ax, m, title, True, title_size=10, cmap="Blues",  # 浅色，数字看得清
                      vmin=lo - 0.2 * span, vmax=hi + 1.5 * span)
    for n, j in enumerate(highlight):
        color = colors[n % len(colors)]
        top, left = divmod(j, out_w)
        axes[0].add_patch(Rectangle((left - 0.5, top - 0.5), k_w, k_h, fill=False, lw=2.5, ec=color))
        axes[1].add_patch(Rectangle((j - 0.5, -0.5), 1, cols.shape[0], fill=False, lw=2.5, ec=color))
    fig.tight_layout()
    plt.show()


def _contexts_of(obj: object, name: str) -> list:
    """obj 所在的设备列表：数组的 context、参数的 list_ctx()，或直接给出的设备（列表）。"""
    import mxnet as mx

    if isinstance(obj, mx.gluon.Parameter):
        try:
            return list(obj.list_ctx())
        except RuntimeError as err:
            raise ValueError(f"参数 {name}（{obj.name}）还没有初始化，无法知道它在哪个设备上：{err}") from None
    if isinstance(obj, mx.Context):
        return [obj]
    if isinstance(obj, mx.nd.NDArray):  # 也包括 mx.np 数组
        return [obj.context]
    if isinstance(obj, (list, tuple)) and obj and all(isinstance(c, mx.Context) for c in obj):
        return list(obj)
    raise TypeError(f"{name} 应为 MXNet 数组、Gluon 参数或设备（列表），实际类型是 {type(obj).__name__}。")


def show_placement(items: dict, title: str | None = None, width: float = 2.6) -> None:
    """画出数组和参数各放在哪个设备上：每个设备一个方框，框里列出放在那里的名字。

    items: {名字: ``nd``/``mx.np`` 数组、Gluon ``Parameter`` 或设备（列表）}，按它们实际的
    ``context`` / ``list_ctx()`` 归到设备下；参数在几个设备上各有一份时，每个设备的方框里都有它。
    设备从左到右按它在 items 中第一次出现的顺序排列；同一个名字在各个方框里颜色相同。见第 04 课。
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    if not isinstance(items, dict):
        raise TypeError(f"items 应为 {{名字: 数组、参数或设备}} 的字典，实际得到的是 {type(items).__name__}。")
    if not items:
        raise ValueError("items 为空：至少给出一个数组或参数。")
    if not check_real(width, "width") > 0:
        raise ValueError(f"width（每个设备方框的宽，英寸）应为正数，实际是 {width!r}。")
    where: dict = {}
    for name, obj in items.items():
        for ctx in _contexts_of(obj, name):
            where.setdefault(ctx, []).append(name)
    devices = list(where)  # 按在 items 中第一次出现的顺序，从左到右
    colors = {name: f"C{k % 10}" for k, name in enumerate(items)}
    rows = max(len(v) for v in where.values())
    figsize = (width * len(devices), 0.55 * rows + 1.5)
    _check_figure(*figsize, "图")
    use_cjk_font()
    fig, ax = plt.subplots(figsize=figsize)
    for d, ctx in enumerate(devices):
        x0 = d * width
        ax.add_patch(FancyBboxPatch((x0 + 0.15, 0.1), width - 0.3, 0.55 * rows + 0.75,
                                    boxstyle="round,pad=0.02,rounding_size=0.12",
                                    fc="#f4f7fb", ec="#4a6f8a", lw=1.5))
        kind = "GPU 显存" if ctx.device_type == "gpu" else "CPU 内存"
        ax.text(x0 + width / 2, 0.55 * rows + 0.58, f"{ctx}（{kind}）", ha="center", va="center",
                fontsize=10)  # 不用粗体：中文字体（文泉驿微米黑）没有粗体，matplotlib 3.10+ 会在 stderr 上警告
        for r, name in enumerate(where[ctx]):
            y = 0.55 * (rows - 1 - r) + 0.25
            ax.add_patch(FancyBboxPatch((x0 + 0.35, y), width - 0.7, 0.38,
                                        boxstyle="round,pad=0.02,rounding_size=0.08",
                                        fc="white", ec=colors[name], lw=2))
            ax.text(x0 + width / 2, y + 0.19, name, ha="center", va="center", fontsize=9)
    ax.set_xlim(0, width * len(devices))
    ax.set_ylim(0, 0.55 * rows + 0.95)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11)
    fig.tight_layout()
    plt.show()
