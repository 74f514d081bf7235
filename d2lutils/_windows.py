"""窗口（卷积核或汇聚窗口）的公共算术：(高, 宽) 二元组、输出形状、填充和按窗口展开（im2col）。

``conv``（互相关运算）、``pool``（汇聚）、``blocks`` 和 ``diagrams`` 都用它们，所以放在它们下面的这一层。
"""

from __future__ import annotations

from typing import Tuple, Union

import mxnet as mx

from ._arrays import check_ndim, is_int

IntPair = Union[int, Tuple[int, int]]


def pair(value: IntPair, name: str, minimum: int) -> tuple[int, int]:
    """把 ``2`` 或 ``(2, 3)`` 统一成 (高, 宽) 二元组，并检查取值范围。"""
    try:
        pair = (value, value) if is_int(value) else tuple(value)
    except TypeError:  # 既不是整数也不能迭代，例如 None 或 1.5
        pair = (value,)
    if len(pair) != 2 or not all(is_int(v) and v >= minimum for v in pair):
        raise ValueError(f"{name} 应为不小于 {minimum} 的整数或 (高, 宽) 整数二元组，实际是 {value!r}。")
    return int(pair[0]), int(pair[1])


def out_hw(in_hw: tuple[int, int], k_hw: tuple[int, int], padding: tuple[int, int],
            stride: tuple[int, int]) -> tuple[int, int]:
    """输出的高和宽：(n + 2p - k) // s + 1，与 nn.Conv2D / nn.MaxPool2D 相同。"""
    return tuple((n + 2 * p - k) // s + 1 for n, k, p, s in zip(in_hw, k_hw, padding, stride))


def pad_hw(Xn: mx.nd.NDArray, padding: tuple[int, int], value: float = 0.0) -> mx.nd.NDArray:
    """在最后两维（高、宽）的两侧各填充 padding 行/列常数 value（可微）。"""
    ph, pw = padding
    if not (ph or pw):
        return Xn
    lead, (h, w) = Xn.shape[:-2], Xn.shape[-2:]
    X4 = Xn.reshape((1,) * (4 - Xn.ndim) + Xn.shape)
    P = mx.nd.pad(X4, mode="constant", constant_value=value,
                  pad_width=(0, 0, 0, 0, ph, ph, pw, pw))
    return P.reshape(lead + (h + 2 * ph, w + 2 * pw))


def unroll(X3: mx.nd.NDArray, kernel: tuple[int, int], padding: tuple[int, int],
            stride: tuple[int, int]) -> mx.nd.NDArray:
    """im2col：X3 (c, h, w) → (c·k_h·k_w, 输出高·输出宽)，每列是一个窗口（填充为 0）。"""
    cols = mx.nd.im2col(X3.reshape((1,) + X3.shape), kernel=kernel, stride=stride, pad=padding)
    return cols.reshape(cols.shape[1:])


def check_2d_or_3d(Xn: mx.nd.NDArray, name: str) -> None:
    """检查输入是二维 (高, 宽) 或三维 (通道, 高, 宽) 的非空数组。"""
    if Xn.ndim not in (2, 3):
        raise ValueError(f"{name} 应该是 2 维数组 (高, 宽) 或 3 维数组 (通道, 高, 宽)，"
                         f"实际形状是 {tuple(Xn.shape)}（{Xn.ndim} 维）。")
    check_ndim(Xn, Xn.ndim, name, "")  # 维数已对，这里只检查是否为空
