"""用代码画的示意图：输入网格上的窗口（卷积核或汇聚窗口）、填充和步幅，以及对应的输出元素。

``draw_windows`` 画在调用者给的 matplotlib 坐标轴上（交互探索器也用它）；
``show_windows`` 把输入和输出并排画成一张图并显示。第 01、06、08 课用它们。
"""

from __future__ import annotations

from typing import Sequence

from ._windows import IntPair, out_hw, pair

# 各窗口的颜色：输入上的方框与输出上对应的格子同色
WINDOW_COLORS = ("tab:red", "tab:orange", "tab:purple", "tab:green", "tab:brown", "tab:pink")
_REAL_CELL = "#dbe9f6"   # 真实输入元素：浅蓝
_PAD_CELL = "#f2f2f2"    # 填充的元素：浅灰，虚线边框


def window_geometry(in_hw: IntPair, kernel_size: IntPair, padding: IntPair = 0,
                    stride: IntPair = 1) -> tuple[tuple[int, int], ...]:
    """检查并返回 (输入高宽, 窗口高宽, 填充, 步幅, 输出高宽) 五个 (高, 宽) 二元组。

    窗口大于填充后的输入时给出中文错误。画图和交互探索器都先调用它。
    """
    n = pair(in_hw, "输入的高和宽 in_hw", 1)
    k = pair(kernel_size, "窗口大小 kernel_size", 1)
    p = pair(padding, "填充 padding", 0)
    s = pair(stride, "步幅 stride", 1)
    if any(kk > nn + 2 * pp for kk, nn, pp in zip(k, n, p)):
        raise ValueError(f"窗口大小 kernel_size {k} 不能大于填充后的输入 "
                         f"{tuple(nn + 2 * pp for nn, pp in zip(n, p))}（输入 {n}，填充 {p}）。")
    return n, k, p, s, out_hw(n, k, p, s)


def _default_windows(out_hw: tuple[int, int]) -> list[tuple[int, int]]:
    """默认标出的窗口：第一行的前两个和第二行的第一个（存在时）。"""
    cand = [(0, 0), (0, 1), (1, 0)]
    return [(i, j) for i, j in cand if i < out_hw[0] and j < out_hw[1]]


def _squares(corners):
    """左上角为 (x, y) 的各个 1x1 方格的四个顶点，供 PolyCollection 一次画出。"""
    import numpy as onp

    xy = onp.asarray(corners, dtype=float).reshape(-1, 1, 2)
    return xy + onp.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)


def draw_windows(ax, in_hw: IntPair, kernel_size: IntPair, padding: IntPair = 0,
                 stride: IntPair = 1, windows: Sequence[tuple[int, int]] | None = None,
                 values=None, title: str | None = None, pad_text: str = "0") -> None:
    """在坐标轴 ax 上画填充后的输入网格，并用彩色方框标出若干窗口。

    windows: 要标出的输出位置 (i, j) 的列表，位置 (i, j) 的窗口左上角在填充后输入的
    (i·s_h, j·s_w)；默认标出前三个。values: 可选的 (高, 宽) 数组，在每个真实元素上写出它的值。
    填充的格子画成灰色虚线框、写 pad_text（默认 "0"；最大汇聚的填充可写 "−∞"）。
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Rectangle

    import numpy as onp

    n, k, p, s, out = window_geometry(in_hw, kernel_size, padding, stride)
    windows = _default_windows(out) if windows is None else list(windows)
    for i, j in windows:
        if not (0 <= i < out[0] and 0 <= j < out[1]):
            raise ValueError(f"窗口位置 {(i, j)} 超出了输出的范围 {out}（行、列都从 0 开始）。")
    vals = None if values is None else onp.asarray(values)
    if vals is not None and vals.shape != n:
        raise ValueError(f"values 的形状 {vals.shape} 应与输入的高和宽 {n} 相同。")
    H, W = n[0] + 2 * p[0], n[1] + 2 * p[1]
    cells = {True: [], False: []}  # 真实元素 / 填充的元素
    for r in range(H):
        for c in range(W):
            real = p[0] <= r < p[0] + n[0] and p[1] <= c < p[1] + n[1]
            cells[real].append((c, r))
            if real and vals is not None:
                ax.text(c + 0.5, r + 0.5, f"{vals[r - p[0], c - p[1]]:g}", ha="center",
                        va="center", fontsize=8, color="#1a1a1a")
            elif not real:
                ax.text(c + 0.5, r + 0.5, pad_text, ha="center", va="center", fontsize=7, color="#8a8a8a")
    # 每类格子合成一个集合一次画出（逐格 add_patch 慢几倍，交互探索器要重画得快）
    for real, corners in cells.items():
        if corners:
            ax.add_collection(PolyCollection(_squares(corners), fc=_REAL_CELL if real else _PAD_CELL,
                                             ec="#4a6f8a" if real else "#9a9a9a", lw=0.8,
                                             ls="-" if real else "--"), autolim=False)
    for m, (i, j) in enumerate(windows):
        color = WINDOW_COLORS[m % len(WINDOW_COLORS)]
        # 相邻窗口会重叠：每个方框向内收一点，便于分辨
        inset = 0.06 + 0.05 * m
        ax.add_patch(Rectangle((j * s[1] + inset, i * s[0] + inset), k[1] - 2 * inset,
                               k[0] - 2 * inset, fill=False, ec=color, lw=2.4))
    ax.set_xlim(-0.1, W + 0.1)
    ax.set_ylim(H + 0.1, -0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10, y=1.0)  # 固定位置：不必为找刻度而计算一遍（更快）


def draw_output_cells(ax, out_hw: tuple[int, int], windows: Sequence[tuple[int, int]],
                      values=None, title: str | None = None) -> None:
    """在 ax 上画输出网格，把 windows 中的各个位置涂成与 ``draw_windows`` 相同的颜色。"""
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Rectangle

    import numpy as onp

    vals = None if values is None else onp.asarray(values)
    colors = {tuple(w): WINDOW_COLORS[m % len(WINDOW_COLORS)] for m, w in enumerate(windows)}
    plain = []
    for r in range(out_hw[0]):
        for c in range(out_hw[1]):
            color = colors.get((r, c))
            if color:
                ax.add_patch(Rectangle((c, r), 1, 1, fc=to_rgba(color, 0.35), ec=color, lw=2.4))
            else:
                plain.append((c, r))
            if vals is not None:
                ax.text(c + 0.5, r + 0.5, f"{vals[r, c]:g}", ha="center", va="center",
                        fontsize=8, color="#1a1a1a")
    if plain:  # 其余格子合成一个集合，画在标出的格子下面
        ax.add_collection(PolyCollection(_squares(plain), fc="#ffffff", ec="#4a6f8a", lw=0.8, zorder=0.5),
                          autolim=False)
    ax.set_xlim(-0.1, out_hw[1] + 0.1)
    ax.set_ylim(out_hw[0] + 0.1, -0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10, y=1.0)  # 固定位置：不必为找刻度而计算一遍（更快）


def show_windows(in_hw: IntPair, kernel_size: IntPair, padding: IntPair = 0, stride: IntPair = 1,
                 windows: Sequence[tuple[int, int]] | None = None, values=None,
                 out_values=None, cell_size: float = 0.42, pad_text: str = "0") -> None:
    """并排画出“填充后的输入 + 标出的窗口”和“输出（对应元素同色）”，标题写出输出形状的算式。

    in_hw: 输入的 (高, 宽)；kernel_size、padding、stride 同 ``corr2d_fast`` / ``pool2d``。
    values / out_values: 可选，写在输入 / 输出格子里的数值；pad_text: 填充格子里写的字。见第 01、06、08 课。
    """
    import matplotlib.pyplot as plt

    window_geometry(in_hw, kernel_size, padding, stride)  # 先检查，出错时不留下空图
    fig = plt.figure()
    draw_windows_figure(fig, in_hw, kernel_size, padding, stride, windows, values, out_values,
                        cell_size, pad_text=pad_text)
    plt.show()


def draw_windows_figure(fig, in_hw: IntPair, kernel_size: IntPair, padding: IntPair = 0,
                        stride: IntPair = 1, windows: Sequence[tuple[int, int]] | None = None,
                        values=None, out_values=None, cell_size: float = 0.42,
                        pad_text: str = "0", out_title: str = "输出", tight: bool = True) -> None:
    """在图 fig 上画 ``show_windows`` 的两幅图并设好图的大小（交互探索器 ``d2lutils.explore`` 也用它）。

    tight=False 时按格子大小直接算出边距，不调用 ``tight_layout``（交互探索器用：快一倍）。
    """
    from .plotting import use_cjk_font

    n, k, p, s, out = window_geometry(in_hw, kernel_size, padding, stride)
    windows = _default_windows(out) if windows is None else list(windows)
    use_cjk_font()
    H, W = n[0] + 2 * p[0], n[1] + 2 * p[1]
    out_w = max(out[1], 6)  # 输出很窄时也给标题里的算式留出位置
    fig.set_size_inches(cell_size * (W + out_w + 2), cell_size * max(H, out[0]) + 1.6)
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [W, out_w]})
    pad_note = f"（填充 {p[0]}×{p[1]}）" if any(p) else ""
    draw_windows(axes[0], n, k, p, s, windows, values, pad_text=pad_text,
                 title=f"输入 {n[0]}×{n[1]}{pad_note}\n窗口 {k[0]}×{k[1]}，步幅 {s[0]}×{s[1]}")
    formula = (f"{out_title} {out[0]}×{out[1]}\n高：⌊({n[0]}+2·{p[0]}−{k[0]})/{s[0]}⌋+1 = {out[0]}"
               f"\n宽：⌊({n[1]}+2·{p[1]}−{k[1]})/{s[1]}⌋+1 = {out[1]}")
    draw_output_cells(axes[1], out, windows, out_values, title=formula)
    rows = max(H, out[0])  # 两边的格子一样大
    axes[0].set_ylim(rows + 0.1, -0.1)
    axes[1].set_xlim(-0.1, out_w + 0.1)
    axes[1].set_ylim(rows + 0.1, -0.1)
    if tight:
        fig.tight_layout()
    else:  # 左右各留半格、两图之间一格，上面留出三行标题
        w_in, h_in = fig.get_size_inches()[0], cell_size * rows + 1.2
        fig.set_size_inches(w_in, h_in)
        fig.subplots_adjust(left=0.5 * cell_size / w_in, right=1 - 0.5 * cell_size / w_in,
                            bottom=0.15 / h_in, top=1 - 1.0 / h_in, wspace=2 / (W + out_w))


def show_multi_in(X: object, K: object, window: tuple[int, int] = (0, 0), cell_size: float = 0.42) -> None:
    """画多输入通道的互相关：每行一个通道（输入通道、对应的卷积核、这个通道的结果），最后一行是各通道结果之和。

    X: (c_i, h, w)、K: (c_i, k_h, k_w) 的数组（NumPy 或 MXNet）；window: 标出的输出位置 (i, j)，
    它在每个通道上的窗口和各个结果中的对应元素画成同一种颜色。步幅 1、不填充。见第 07 课。
    """
    import matplotlib.pyplot as plt
    import numpy as onp
    from numpy.lib.stride_tricks import sliding_window_view

    from .plotting import use_cjk_font

    X = onp.asarray(X.asnumpy() if hasattr(X, "asnumpy") else X, dtype=float)
    K = onp.asarray(K.asnumpy() if hasattr(K, "asnumpy") else K, dtype=float)
    if X.ndim != 3 or K.ndim != 3 or X.shape[0] != K.shape[0]:
        raise ValueError(f"X 应为 (c_i, h, w)、K 应为 (c_i, k_h, k_w)，两者的通道数 c_i 相同；"
                         f"实际形状是 {X.shape} 和 {K.shape}。")
    c, k = X.shape[0], K.shape[1:]
    out = window_geometry(X.shape[1:], k)[-1]
    parts = [(sliding_window_view(X[ch], k) * K[ch]).sum(axis=(-2, -1)) + 0.0 for ch in range(c)]  # + 0.0：不显示 -0
    use_cjk_font()
    rows = max(X.shape[1], out[0])
    fig, axes = plt.subplots(c + 1, 3, squeeze=False,
                             figsize=(cell_size * (X.shape[2] + k[1] + out[1] + 6), (cell_size * rows + 0.6) * (c + 1)),
                             gridspec_kw={"width_ratios": [X.shape[2], max(k[1], 3), out[1]]})
    for ch in range(c):
        draw_windows(axes[ch, 0], X.shape[1:], k, windows=[window], values=X[ch], title=f"输入通道 {ch}")
        draw_windows(axes[ch, 1], k, k, windows=[(0, 0)], values=K[ch], title=f"卷积核通道 {ch}")
        draw_output_cells(axes[ch, 2], out, [window], values=parts[ch], title=f"通道 {ch} 的结果")
    axes[c, 0].axis("off")
    axes[c, 1].axis("off")
    axes[c, 1].text(0.5, 0.5, "各通道的结果\n按元素相加 →", ha="center", va="center", fontsize=10,
                    transform=axes[c, 1].transAxes)
    draw_output_cells(axes[c, 2], out, [window], values=sum(parts), title="输出")
    for ax in axes.ravel():
        ax.set_ylim(rows + 0.1, -0.1)
    fig.tight_layout()
    plt.show()


def show_layers(layers: Sequence[tuple[str, tuple[int, ...]]], max_maps: int = 6) -> None:
    """把网络画成从左到右的一排：layers 是 (名字, 不含批量维的输出形状) 的列表。见第 09 课。

    形状 (c, h, w) 画成叠在一起的特征映射（方块的边长随 h、w 变化，最多画 max_maps 张，下面写 “c@h×w”）；
    形状 (n,) 画成高度随 n 变化的竖条（下面写 n）。名字写在上面，可以含换行。
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, Rectangle

    from .plotting import use_cjk_font

    layers = list(layers) if isinstance(layers, (list, tuple)) else None
    if not layers:
        raise ValueError("layers 应为非空的列表，每项是 (名字, 输出形状)，例如 [('输入', (1, 28, 28)), ('输出', (10,))]。")
    for item in layers:
        ok = isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str)
        shape = tuple(item[1]) if ok and isinstance(item[1], (list, tuple)) else ()
        if not (ok and len(shape) in (1, 3) and all(isinstance(v, int) and v >= 1 for v in shape)):
            raise ValueError(f"layers 的每一项应为 (名字, 形状)，形状是 (通道, 高, 宽) 或 (单元数,) 的正整数，"
                             f"实际有一项是 {item!r}。")
    if not isinstance(max_maps, int) or max_maps < 1:
        raise ValueError(f"max_maps 应为正整数，实际是 {max_maps!r}。")
    use_cjk_font()
    side = max(max(s[1:]) for _, s in layers if len(s) == 3) if any(len(s) == 3 for _, s in layers) else 1
    units = max(s[0] for _, s in layers if len(s) == 1) if any(len(s) == 1 for _, s in layers) else 1
    fig, ax = plt.subplots(figsize=(1.1 * len(layers) + 0.4, 2.8))
    x, step, prev = 0.0, 0.1, None
    name_y = 0.95 + (max_maps - 1) * step  # 名字写在最高的一叠上面
    for name, shape in layers:
        if len(shape) == 3:
            c, h, w = shape
            hh, ww = 1.6 * h / side + 0.15, 1.6 * w / side + 0.15
            n = min(c, max_maps)
            for i in range(n):  # 后面的特征映射向右上错开
                ax.add_patch(Rectangle((x + i * step, -hh / 2 + i * step), ww, hh, fc="#dbe9f6", ec="#4a6f8a", lw=0.8))
            right, top = x + ww + (n - 1) * step, hh / 2 + (n - 1) * step
            label = f"{c}@{h}×{w}"
        else:
            hh, ww = 2.0 * (shape[0] / units) ** 0.5 + 0.1, 0.22
            ax.add_patch(Rectangle((x, -hh / 2), ww, hh, fc="#fde2c8", ec="#b5651d", lw=0.8))
            right, top, label = x + ww, hh / 2, f"{shape[0]}"
        center = (x + right) / 2
        ax.text(center, name_y, name, ha="center", va="bottom", fontsize=8)
        ax.text(center, -1.35, label, ha="center", va="top", fontsize=8)
        if prev is not None:
            ax.add_patch(FancyArrowPatch((prev, 0), (x - 0.05, 0), arrowstyle="-|>", mutation_scale=8,
                                         color="#555555", lw=0.8, zorder=0))
        prev, x = right + 0.05, max(right, x + 0.6) + 0.55
    ax.set_xlim(-0.2, x - 0.35)
    ax.set_ylim(-1.75, name_y + 0.65)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    plt.show()
