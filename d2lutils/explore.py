"""交互探索器：改动卷积核、填充、步幅或汇聚窗口，立即看到输出的变化（第 01、06、08 课）。

分两层：
- 计算和画图（不需要 ipywidgets）：``kernel_compute`` / ``window_compute`` / ``pool_compute``
  按控件的取值算出结果，``*_figure`` 把结果画成一张 matplotlib 图。测试和基准直接调用它们；
- 控件层：``kernel_explorer()`` / ``padding_stride_explorer()`` / ``pooling_explorer()``
  用 ipywidgets 的控件改变取值，每次改动重算、重画。

探索器显示为一个输出，同时带有控件视图和当前状态的 PNG 图：能运行控件的前端
（JupyterLab、Colab）显示控件；存储的笔记本、nbval 和阅读版里显示默认状态的图。
本模块不在 ``d2lutils`` 包的顶层导出，各课用 ``from d2lutils.explore import ...`` 导入。
"""

from __future__ import annotations

import base64
import html
import io
import re
import time
from functools import lru_cache
from typing import Any, Callable

import mxnet as mx
import numpy as onp

from .conv import corr2d_fast
from .diagrams import draw_windows_figure, window_geometry
from .plotting import _matrix_panel, use_cjk_font
from .pool import pool2d

DPI = 100  # 探索器的图固定用这个分辨率，存储的图与交互时的图一样大

# ---------------------------------------------------------------- 第 01 课：卷积核

IMAGES = {  # 取值 → 控件上的中文名
    "edge": "边缘图像 6×8",
    "digit": "手写数字 8×8",
    "letter": "合成图像 8×8（字母 T）",
}
KERNELS = {  # 取值 → (中文名, 卷积核)；custom 的卷积核由用户输入
    "vertical": ("垂直边缘", [[1, 0, -1], [1, 0, -1], [1, 0, -1]]),
    "horizontal": ("水平边缘", [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]),
    "blur": ("模糊（均值）", [[1 / 9] * 3] * 3),
    "sharpen": ("锐化", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "identity": ("恒等", [[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "d2l": ("[1, -1]（本节的例子）", [[1, -1]]),
    "custom": ("自定义（最大 3×3）", None),
}


@lru_cache(maxsize=1)
def _digit_images() -> onp.ndarray:
    from .data import digits_data  # scikit-learn 自带，不需要下载

    return (digits_data()[0] / 16.0).astype("float32")


def input_image(image: str, digit: int = 0) -> onp.ndarray:
    """探索器的输入图像（float32 NumPy 数组）：'edge' 6x8、'digit' 第 digit 张 8x8 手写数字、'letter' 8x8。"""
    if image == "edge":  # 第 01 课的图像：中间四列为黑（0），其余为白（1）
        X = onp.ones((6, 8), "float32")
        X[:, 2:6] = 0
        return X
    if image == "digit":
        images = _digit_images()
        if not 0 <= int(digit) < len(images):
            raise ValueError(f"手写数字的序号 digit 应在 0 到 {len(images) - 1} 之间，实际是 {digit!r}。")
        return images[int(digit)]
    if image == "letter":  # 一横一竖，既有水平边缘也有垂直边缘
        X = onp.zeros((8, 8), "float32")
        X[1:3, 1:7] = 1
        X[3:7, 3:5] = 1
        return X
    raise ValueError(f"输入图像 image 应为 {list(IMAGES)} 之一，实际是 {image!r}。")


def parse_kernel(text: str) -> onp.ndarray:
    """把 "1 0 -1; 1 0 -1" 这样的文字解析成卷积核（行用分号或换行分开，元素用空格或逗号分开），最大 3x3。"""
    rows = [r for r in re.split(r"[;；\n]", text.strip()) if r.strip()]
    try:
        K = [[float(v) for v in re.split(r"[\s,，]+", r.strip())] for r in rows]
    except ValueError:
        raise ValueError(f"自定义卷积核 {text!r} 里有不是数的内容；请写成 “1 0 -1; 1 0 -1” 这样，"
                         f"行用分号分开，元素用空格或逗号分开。") from None
    if not K or len({len(r) for r in K}) != 1:
        raise ValueError(f"自定义卷积核 {text!r} 的各行元素个数应相同且至少有一行，"
                         f"实际各行有 {[len(r) for r in K]} 个元素。")
    if len(K) > 3 or len(K[0]) > 3:
        raise ValueError(f"自定义卷积核最大 3×3，输入的 {text!r} 是 {len(K)}×{len(K[0])}。")
    return onp.array(K, "float32")


def kernel_compute(image: str = "edge", kernel: str = "d2l", custom: str = "1 -1",
                   digit: int = 0, convolution: bool = False) -> dict[str, Any]:
    """卷积核探索器的计算：返回输入 X、卷积核 K、实际使用的卷积核 K_used（卷积运算时上下左右翻转）、
    输出 Y（都是 NumPy 数组，用 ``corr2d_fast`` 算）和一句中文说明 text。见第 01 课。"""
    if kernel not in KERNELS:
        raise ValueError(f"卷积核 kernel 应为 {list(KERNELS)} 之一，实际是 {kernel!r}。")
    X = input_image(image, digit)
    K = parse_kernel(custom) if kernel == "custom" else onp.array(KERNELS[kernel][1], "float32")
    K_used = K[::-1, ::-1].copy() if convolution else K
    Y = corr2d_fast(mx.nd.array(X), mx.nd.array(K_used)).asnumpy()
    op = "卷积运算（先把卷积核上下、左右翻转）" if convolution else "互相关运算"
    name = IMAGES[image] + (f"（第 {digit} 张）" if image == "digit" else "")
    text = (f"{name} 与 {K.shape[0]}×{K.shape[1]} 的卷积核“{KERNELS[kernel][0]}”做{op}，"
            f"输出 {Y.shape[0]}×{Y.shape[1]}")
    return {"X": X, "K": K, "K_used": K_used, "Y": Y, "convolution": convolution, "text": text}


def _shown(m: onp.ndarray) -> onp.ndarray:
    """图中标出的数值：保留两位小数，并去掉 -0。"""
    return onp.round(m.astype("float64"), 2) + 0.0


def kernel_figure(res: dict[str, Any], cell_size: float = 0.45):
    """把 ``kernel_compute`` 的结果画成 输入 | 卷积核 | 输出 三幅热图（各自着色），返回 matplotlib 图。

    版面按格子数直接算出（不用 ``tight_layout``，重画快一倍）：各图之间留两格，上面留两行标题。
    """
    from matplotlib.figure import Figure

    use_cjk_font()
    X, K, Y = res["X"], res["K_used"], res["Y"]
    k_title = "翻转后的卷积核" if res["convolution"] else "卷积核 K"
    y_title = "卷积运算的输出" if res["convolution"] else "互相关运算的输出"
    mats = [_shown(X), _shown(K), _shown(Y)]
    titles = [f"输入 X\n{X.shape[0]}×{X.shape[1]}", f"{k_title}\n{K.shape[0]}×{K.shape[1]}",
              f"{y_title}\n{Y.shape[0]}×{Y.shape[1]}"]
    gap, top = 2.0, 0.75  # 格；英寸
    width = sum(m.shape[1] for m in mats) + gap * (len(mats) + 1)
    rows = max(m.shape[0] for m in mats)
    fig = Figure(figsize=(cell_size * width, cell_size * rows + top + 0.1), dpi=DPI)
    w_in, h_in = fig.get_size_inches()
    left = gap
    for m, title in zip(mats, titles):
        ax = fig.add_axes([left * cell_size / w_in, 1 - (top + cell_size * m.shape[0]) / h_in,
                           m.shape[1] * cell_size / w_in, m.shape[0] * cell_size / h_in])
        v = float(onp.abs(m).max()) or 1.0
        _matrix_panel(ax, m, "", True, cmap="coolwarm", vmin=-v, vmax=v)
        for text, value in zip(ax.texts, m.flat):  # 深色格子上用白字
            if abs(value) > 0.6 * v:
                text.set_color("white")
        ax.set_title(title, fontsize=10, y=1.0)  # 固定位置：不必为找刻度而计算一遍（更快）
        left += m.shape[1] + gap
    return fig


# ---------------------------------------------------------------- 第 06 课：填充和步幅

def shape_formula(n: int, k: int, p: int, s: int) -> str:
    """输出形状公式代入数值后的一行文字（高和宽相同时）。"""
    out = (n + 2 * p - k) // s + 1
    return (f"输出的高和宽 = ⌊(n + 2p − k) / s⌋ + 1 = ⌊({n} + 2×{p} − {k}) / {s}⌋ + 1 "
            f"= ⌊{n + 2 * p - k} / {s}⌋ + 1 = {out}")


def window_compute(size: int = 6, kernel_size: int = 3, padding: int = 1,
                   stride: int = 2) -> dict[str, Any]:
    """填充和步幅探索器的计算：输入 X = 0, 1, 2, ... 排成 size×size，卷积核全为 1，
    输出 Y 是每个窗口里的元素之和（``corr2d_fast``）；text 是代入数值的输出形状公式。见第 06 课。"""
    window_geometry(size, kernel_size, padding, stride)  # 窗口放不下时给出中文错误
    X = onp.arange(size * size, dtype="float32").reshape((size, size))
    K = onp.ones((kernel_size, kernel_size), "float32")
    Y = corr2d_fast(mx.nd.array(X), mx.nd.array(K), padding=padding, stride=stride).asnumpy()
    return {"X": X, "K": K, "Y": Y, "kernel_size": kernel_size, "padding": padding,
            "stride": stride, "text": (f"输入 {size}×{size}，卷积核 {kernel_size}×{kernel_size}，"
                                       f"填充 {padding}，步幅 {stride}："
                                       + shape_formula(size, kernel_size, padding, stride))}


def window_figure(res: dict[str, Any]):
    """画出填充后的输入、卷积核盖住的前几个窗口和对应的输出元素（``diagrams``），返回 matplotlib 图。"""
    from matplotlib.figure import Figure

    fig = Figure(dpi=DPI)
    draw_windows_figure(fig, res["X"].shape, res["kernel_size"], res["padding"], res["stride"],
                        values=res["X"], out_values=_shown(res["Y"]), out_title="输出（窗口之和）",
                        tight=False)
    return fig


# ---------------------------------------------------------------- 第 08 课：汇聚层

POOL_MODES = {"max": "最大汇聚", "avg": "平均汇聚"}


def pool_input() -> onp.ndarray:
    """汇聚层探索器的输入：固定种子生成的 6x6 个 0~9 的整数。"""
    return onp.random.default_rng(0).integers(0, 10, size=(6, 6)).astype("float32")


def pool_compute(pool_size: int = 2, stride: int = 2, padding: int = 0,
                 mode: str = "max") -> dict[str, Any]:
    """汇聚层探索器的计算：对 ``pool_input()`` 做 ``pool2d``（显式给出步幅）。见第 08 课。"""
    X = pool_input()
    Y = pool2d(mx.nd.array(X), pool_size, mode=mode, padding=padding, stride=stride).asnumpy()
    text = (f"{POOL_MODES[mode]}，窗口 {pool_size}×{pool_size}，步幅 {stride}，填充 {padding}："
            + shape_formula(X.shape[0], pool_size, padding, stride))
    return {"X": X, "Y": Y, "pool_size": pool_size, "stride": stride, "padding": padding,
            "mode": mode, "text": text}


def pool_figure(res: dict[str, Any]):
    """画出输入上的汇聚窗口和输出（最大汇聚时填充的格子标 −∞），返回 matplotlib 图。"""
    from matplotlib.figure import Figure

    fig = Figure(dpi=DPI)
    draw_windows_figure(fig, res["X"].shape, res["pool_size"], res["padding"], res["stride"],
                        values=res["X"], out_values=_shown(res["Y"]),
                        pad_text="−∞" if res["mode"] == "max" else "0",
                        out_title=POOL_MODES[res["mode"]], tight=False)
    return fig


# ---------------------------------------------------------------- 控件层

def figure_png(fig) -> bytes:
    """把 matplotlib 图编码成 PNG 字节。"""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


class Explorer:
    """一个探索器：一排控件、一行说明和一张图。每改动一个控件就重算、重画（``last_ms`` 是用时）。

    显示时给出一个输出：控件视图（能运行控件的前端显示它）+ 当前状态的 PNG 图 + 一行文字。
    """

    def __init__(self, name: str, controls: dict, compute: Callable[..., dict],
                 figure: Callable[[dict], Any], adjust: Callable[[dict], None] | None = None):
        import ipywidgets as widgets

        self.name, self.controls, self.compute, self.figure = name, controls, compute, figure
        self.adjust = adjust or (lambda controls: None)
        self.label = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.box = widgets.VBox([widgets.HBox(list(controls.values()),
                                              layout=widgets.Layout(flex_flow="row wrap")),
                                 self.label, self.image])
        self.result: dict[str, Any] = {}
        self.error: str | None = None
        self.last_ms = 0.0
        self._busy = False
        for w in controls.values():
            w.observe(self._changed, names="value")
        self.adjust(controls)
        self.redraw()

    def values(self) -> dict[str, Any]:
        return {key: w.value for key, w in self.controls.items()}

    def set(self, **values: Any) -> None:
        """一次改动几个控件，只重画一次（测试用）。"""
        self._busy = True
        try:
            for key, value in values.items():
                self.controls[key].value = value
                self.adjust(self.controls)
        finally:
            self._busy = False
        self.redraw()

    def _changed(self, change) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            self.adjust(self.controls)  # 例如窗口变小时把填充的上限跟着调小
        finally:
            self._busy = False
        self.redraw()

    def redraw(self) -> None:
        start = time.perf_counter()
        try:
            res = self.compute(**self.values())
        except ValueError as e:  # 中文错误显示在控件下面，图保持上一次的
            self.error = str(e)
            self.label.value = f'<span style="color:#b00020">{html.escape(self.error)}</span>'
            return
        self.error, self.result = None, res
        self.label.value = html.escape(res["text"])
        self.image.value = figure_png(self.figure(res))
        self.last_ms = (time.perf_counter() - start) * 1000

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return {
            "application/vnd.jupyter.widget-view+json": {
                "version_major": 2, "version_minor": 0, "model_id": self.box.model_id},
            "image/png": base64.b64encode(self.image.value).decode("ascii"),
            "text/plain": f"{self.name}：{self.result.get('text', self.error)}。"
                          f"（图为当前状态；在 JupyterLab 或 Colab 中运行本单元格即可用控件改动它）",
        }


def _style() -> dict:
    return {"description_width": "initial"}


def kernel_explorer() -> Explorer:
    """第 01 课的卷积核探索器：选输入图像和卷积核（或输入自定义卷积核），切换互相关运算/卷积运算。"""
    import ipywidgets as widgets

    controls = {
        "image": widgets.Dropdown(options=[(v, k) for k, v in IMAGES.items()], value="edge",
                                  description="输入", style=_style()),
        "digit": widgets.IntSlider(value=0, min=0, max=9, description="第几张数字",
                                   style=_style()),
        "kernel": widgets.Dropdown(options=[(v[0], k) for k, v in KERNELS.items()], value="d2l",
                                   description="卷积核", style=_style()),
        "custom": widgets.Text(value="1 0 -1; 2 0 -2; 1 0 -1", description="自定义卷积核",
                               continuous_update=False, style=_style()),
        "convolution": widgets.ToggleButtons(options=[("互相关运算", False), ("卷积运算（翻转卷积核）", True)],
                                             value=False, style={"button_width": "auto"}),
    }

    def adjust(c):
        c["digit"].disabled = c["image"].value != "digit"
        c["custom"].disabled = c["kernel"].value != "custom"

    return Explorer("卷积核探索器", controls, kernel_compute, kernel_figure, adjust)


def padding_stride_explorer() -> Explorer:
    """第 06 课的填充和步幅探索器：改变输入大小、卷积核大小、填充和步幅，看窗口和输出形状公式。"""
    import ipywidgets as widgets

    controls = {
        "size": widgets.IntSlider(value=6, min=3, max=6, description="输入大小 n", style=_style()),
        "kernel_size": widgets.IntSlider(value=3, min=1, max=5, description="卷积核大小 k",
                                         style=_style()),
        "padding": widgets.IntSlider(value=1, min=0, max=2, description="填充 p", style=_style()),
        "stride": widgets.IntSlider(value=2, min=1, max=3, description="步幅 s", style=_style()),
    }
    return Explorer("填充和步幅探索器", controls, window_compute, window_figure)


def pooling_explorer() -> Explorer:
    """第 08 课的汇聚层探索器：改变窗口、步幅、填充和汇聚方式（最大/平均），看输出。"""
    import ipywidgets as widgets

    controls = {
        "pool_size": widgets.IntSlider(value=2, min=1, max=3, description="窗口大小",
                                       style=_style()),
        "stride": widgets.IntSlider(value=2, min=1, max=3, description="步幅", style=_style()),
        "padding": widgets.IntSlider(value=0, min=0, max=1, description="填充", style=_style()),
        "mode": widgets.ToggleButtons(options=[(v, k) for k, v in POOL_MODES.items()], value="max"),
    }

    def adjust(c):  # 填充必须小于窗口（pool2d 这样要求；nn.MaxPool2D 在 CPU 上不检查，见第 08 课）
        c["padding"].max = c["pool_size"].value - 1

    return Explorer("汇聚层探索器", controls, pool_compute, pool_figure, adjust)
