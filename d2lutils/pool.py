"""二维汇聚层的计算：最大汇聚与平均汇聚，支持填充、步幅和多个通道。"""

from __future__ import annotations

import mxnet as mx
import numpy as onp

from ._arrays import Array, as_nd, check_window_fits, check_window_memory, compute_dtype, like
from ._windows import IntPair, check_2d_or_3d, out_hw, pad_hw, pair, unroll

POOL_MODES = ("max", "avg")


def pool2d(X: Array, pool_size: IntPair, mode: str = "max", padding: IntPair = 0,
           stride: IntPair = 1, count_include_pad: bool = True) -> Array:
    """二维汇聚：X (h, w) 或 (c, h, w)，各通道分别汇聚 → (输出高, 输出宽) 或 (c, 输出高, 输出宽)。

    mode 为 'max'（最大汇聚）或 'avg'（平均汇聚；count_include_pad=True 时填充的 0 也计入平均，
    同 ``nn.AvgPool2D`` 的默认，False 时只对窗口里的真实元素求平均）；
    stride 默认为 1：窗口逐个位置滑动，与没有步幅参数的 d2l ``pool2d`` 相同（3x3 的 X、(2, 2) 的窗口 → 2x2）；
    注意 ``nn.MaxPool2D`` / ``nn.AvgPool2D`` 的步幅默认等于窗口大小。padding 须小于 pool_size
    （MXNet 1.9.1 的汇聚层在 CPU 上不检查）。用 im2col 实现，对 X 可微。见第 08 课。
    """
    Xn, k, p, s = _check_pool_args(X, pool_size, mode, padding, stride, count_include_pad)
    X3 = Xn.reshape((1,) + Xn.shape) if Xn.ndim == 2 else Xn
    c = X3.shape[0]
    hw = out_hw(X3.shape[1:], k, p, s)
    if mode == "max":
        # 填充 -inf：填充的位置永远不会是最大值，与 nn.MaxPool2D 一致
        cols = unroll(pad_hw(X3, p, value=float("-inf")), k, (0, 0), s)
        Y = cols.reshape((c, k[0] * k[1], -1)).max(axis=1)
    else:
        cols = unroll(X3, k, p, s).reshape((c, k[0] * k[1], -1))
        if count_include_pad or not any(p):
            Y = cols.mean(axis=1)
        else:  # 每个窗口里真实元素的个数：对全 1 的输入做同样的展开再求和
            counts = unroll(mx.nd.ones_like(X3), k, p, s).reshape((c, k[0] * k[1], -1)).sum(axis=1)
            Y = cols.sum(axis=1) / counts
    Y = Y.reshape(hw if Xn.ndim == 2 else (c,) + hw)
    return like(Y, X)


def _check_pool_args(X, pool_size, mode, padding, stride, count_include_pad):
    """pool2d 的输入检查：返回 (Xn, 窗口, 填充, 步幅)，Xn 是 NDArray，后三者是 (高, 宽) 二元组。"""
    Xn = as_nd(X, "输入 X")
    if not isinstance(count_include_pad, (bool, onp.bool_)):
        raise TypeError(f"count_include_pad 应为 True 或 False，实际是 {count_include_pad!r}。")
    if mode not in POOL_MODES:
        raise ValueError(f"汇聚方式 mode 应为 'max'（最大汇聚）或 'avg'（平均汇聚），实际是 {mode!r}。")
    k = pair(pool_size, "汇聚窗口 pool_size", 1)
    p = pair(padding, "填充 padding", 0)
    s = pair(stride, "步幅 stride", 1)
    check_2d_or_3d(Xn, "输入 X")
    if p[0] >= k[0] or p[1] >= k[1]:
        raise ValueError(f"填充 padding {p} 应小于汇聚窗口 pool_size {k}，否则有的窗口里只有填充。")
    check_window_fits(Xn.shape[-2:], k, "输入 X", "汇聚窗口 pool_size", padding=p)
    compute_dtype(Xn, "输入 X", "pool2d")
    c_in = Xn.shape[0] if Xn.ndim == 3 else 1
    check_window_memory(c_in, Xn.shape[-2:], k, p, s, c_in, 2 * onp.dtype(Xn.dtype).itemsize)  # 2：平均汇聚的计数
    return Xn, k, p, s
