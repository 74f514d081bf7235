"""二维互相关运算：教学用的循环版、三种向量化实现，以及多输入多输出通道的版本。

- ``corr2d``：逐元素循环（第 1 课），慢，但一眼能看懂；
- ``corr2d_shift``：按卷积核的每个元素平移输入再相加（k_h·k_w 次整块运算）；
- ``corr2d_im2col``：把每个窗口展开成矩阵的一列，一次矩阵乘法算完；
- ``corr2d_rows``：只沿宽展开（矩阵小 k_h 倍），一次矩阵乘法后把 k_h 行结果错位相加；
- ``corr2d_fast``：课程默认使用的版本，按问题大小在后两者中选一个。

向量化版本都只由 MXNet 的可微算子组成，可以在 ``autograd.record()`` 中使用。
第 5 课《为什么要向量化》比较了它们的结果和速度。
"""

from __future__ import annotations

import mxnet as mx
import numpy as onp

from ._arrays import (Array, as_nd, check_ndim, check_same_device_and_dtype, check_window_fits,
                      check_window_memory, compute_dtype, like)
from ._windows import IntPair, check_2d_or_3d, out_hw, pad_hw, pair, unroll


# corr2d_fast：展开矩阵（k_h·k_w × 输出元素个数）不超过这么多个元素时用 im2col，
# 否则用按行展开。小问题上 im2col 的算子最少；大问题上它的展开矩阵太大（1024x1024
# 输入、7x7 卷积核时约 194 MB），按行展开只需其 1/k_h。阈值由 benchmarks/ 测得。
IM2COL_MAX_ELEMENTS = 1 << 18


def corr2d(X: Array, K: Array) -> Array:
    """二维互相关运算（逐元素循环的教学版）。

    X: (n_h, n_w)，K: (k_h, k_w) → 输出 (n_h - k_h + 1, n_w - k_w + 1)。
    接受 ``nd.NDArray`` 或 ``mx.np.ndarray``，返回同一种数组，位于输入的设备上。
    见第 1 课《二维互相关运算》。
    """
    Xn, Kn = _check_corr2d_args(X, K)
    # 以下是第 1 课的循环，只多了一件事：Y 建在输入的设备上、用输入的数据类型
    h, w = Kn.shape
    Y = mx.nd.zeros((Xn.shape[0] - h + 1, Xn.shape[1] - w + 1), ctx=Xn.context, dtype=Xn.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (Xn[i: i + h, j: j + w] * Kn).sum()
    return like(Y, X)


def _check_corr2d_args(X: object, K: object) -> tuple[mx.nd.NDArray, mx.nd.NDArray]:
    """corr2d 的输入检查：返回 NDArray 形式的 (X, K)。"""
    Xn, Kn = as_nd(X, "输入 X"), as_nd(K, "卷积核 K")
    check_ndim(Xn, 2, "输入 X", "(高, 宽)")
    check_ndim(Kn, 2, "卷积核 K", "(高, 宽)")
    check_window_fits(Xn.shape, Kn.shape, "输入 X", "卷积核 K")
    check_same_device_and_dtype(Xn, Kn, "输入 X", "卷积核 K")
    compute_dtype(Xn, "输入 X", "corr2d")
    return Xn, Kn


def _prepare_2d(X: object, K: object, padding: IntPair, stride: IntPair, fn: str):
    """单通道版本共用的检查：返回 (Xn, Kn, padding, stride, 结果的数据类型)。

    Xn、Kn 已转成实际计算用的数据类型（见 ``DTYPE_TABLE``：float16 的矩阵乘法在 float32 中计算）。
    """
    Xn, Kn = as_nd(X, "输入 X"), as_nd(K, "卷积核 K")
    p = pair(padding, "填充 padding", 0)
    s = pair(stride, "步幅 stride", 1)
    check_ndim(Xn, 2, "输入 X", "(高, 宽)")
    check_ndim(Kn, 2, "卷积核 K", "(高, 宽)")
    check_window_fits(Xn.shape, Kn.shape, "输入 X", "卷积核 K", padding=p)
    check_same_device_and_dtype(Xn, Kn, "输入 X", "卷积核 K")
    return _cast_for(fn, Xn, Kn, p, s, 1, 1)


def _cast_for(fn: str, Xn: mx.nd.NDArray, Kn: mx.nd.NDArray, p: tuple[int, int], s: tuple[int, int],
              c_in: int, c_out: int):
    """按数据类型表检查类型、估计中间数组的内存，必要时把 Xn、Kn 转成计算用的类型。"""
    out_dtype = Xn.dtype
    work = compute_dtype(Xn, "输入 X", fn)
    check_window_memory(c_in, Xn.shape[-2:], Kn.shape[-2:], p, s, c_out, onp.dtype(work).itemsize)
    if work != onp.dtype(out_dtype).name:
        Xn, Kn = Xn.astype(work), Kn.astype(work)
    return Xn, Kn, p, s, out_dtype


def _finish(Y: mx.nd.NDArray, out_dtype, template: object) -> Array:
    """把结果转回输入的数据类型和数组接口。"""
    return like(Y if Y.dtype == out_dtype else Y.astype(out_dtype), template)


def corr2d_shift(X: Array, K: Array, padding: IntPair = 0, stride: IntPair = 1) -> Array:
    """平移相加版二维互相关：对卷积核的每个元素，取输入的一块平移切片乘上它，再全部相加。

    X: (n_h, n_w)，K: (k_h, k_w)；padding、stride 为整数或 (高, 宽) 二元组。
    输出 ((n_h + 2p_h - k_h) // s_h + 1, (n_w + 2p_w - k_w) // s_w + 1)。可微。见第 5 课。
    """
    Xn, Kn, p, s, out_dtype = _prepare_2d(X, K, padding, stride, "corr2d_shift")
    Xn = pad_hw(Xn, p)
    k_h, k_w = Kn.shape
    out_h, out_w = out_hw(Xn.shape, Kn.shape, (0, 0), s)
    taps = Kn.reshape((k_h * k_w, 1))
    taps = list(mx.nd.split(taps, num_outputs=k_h * k_w, axis=0)) if k_h * k_w > 1 else [taps]
    terms = []
    for a in range(k_h):
        for b in range(k_w):
            window = mx.nd.slice(Xn, begin=(a, b),
                                 end=(a + s[0] * (out_h - 1) + 1, b + s[1] * (out_w - 1) + 1),
                                 step=s)
            terms.append(mx.nd.broadcast_mul(window, taps[a * k_w + b]))
    Y = terms[0] if len(terms) == 1 else mx.nd.add_n(*terms)
    return _finish(Y, out_dtype, X)


def corr2d_im2col(X: Array, K: Array, padding: IntPair = 0, stride: IntPair = 1) -> Array:
    """im2col 版二维互相关：把每个窗口展开成一列，再用一次矩阵乘法 (1, k_h·k_w) × 展开矩阵。

    X: (n_h, n_w)，K: (k_h, k_w)；padding、stride 与输出形状同 ``corr2d_shift``。可微。见第 5 课。
    """
    Xn, Kn, p, s, out_dtype = _prepare_2d(X, K, padding, stride, "corr2d_im2col")
    return _finish(_corr2d_im2col_nd(Xn, Kn, p, s), out_dtype, X)


def _corr2d_im2col_nd(Xn: mx.nd.NDArray, Kn: mx.nd.NDArray, p: tuple[int, int],
                      s: tuple[int, int]) -> mx.nd.NDArray:
    cols = unroll(Xn.reshape((1,) + Xn.shape), Kn.shape, p, s)
    return mx.nd.dot(Kn.reshape((1, -1)), cols).reshape(out_hw(Xn.shape, Kn.shape, p, s))


def _corr2d_rows_nd(Xn: mx.nd.NDArray, Kn: mx.nd.NDArray, p: tuple[int, int],
                    s: tuple[int, int]) -> mx.nd.NDArray:
    k_h, k_w = Kn.shape
    out_h, out_w = out_hw(Xn.shape, Kn.shape, p, s)
    rows_h = Xn.shape[0] + 2 * p[0]
    # 只沿宽展开：每列是一行里的 k_w 个相邻元素；Z[a] 是卷积核第 a 行对每一行输入的结果
    cols = unroll(Xn.reshape((1,) + Xn.shape), (1, k_w), p, (1, s[1]))
    Z = mx.nd.dot(Kn, cols).reshape((k_h, rows_h, out_w))
    parts = [mx.nd.slice(Z, begin=(a, a, 0), end=(a + 1, a + s[0] * (out_h - 1) + 1, out_w),
                         step=(1, s[0], 1)) for a in range(k_h)]
    Y = parts[0] if k_h == 1 else mx.nd.add_n(*parts)
    return Y.reshape((out_h, out_w))


def corr2d_rows(X: Array, K: Array, padding: IntPair = 0, stride: IntPair = 1) -> Array:
    """按行展开版二维互相关：只沿宽做 im2col，一次矩阵乘法 K × 展开矩阵，再把 k_h 行结果错位相加。

    展开矩阵只有 im2col 的 1/k_h 大。X: (n_h, n_w)，K: (k_h, k_w)；参数与输出同 ``corr2d_shift``。
    可微。见第 5 课。
    """
    Xn, Kn, p, s, out_dtype = _prepare_2d(X, K, padding, stride, "corr2d_rows")
    return _finish(_corr2d_rows_nd(Xn, Kn, p, s), out_dtype, X)


def corr2d_fast(X: Array, K: Array, padding: IntPair = 0,
                stride: IntPair = 1) -> Array:
    """二维互相关运算的向量化、可微版本（各课默认使用）：小问题用 im2col，大问题用按行展开。

    X: (n_h, n_w)，K: (k_h, k_w)；padding、stride 为整数或 (高, 宽) 二元组。
    输出形状为 ((n_h + 2p_h - k_h) // s_h + 1, (n_w + 2p_w - k_w) // s_w + 1)。
    只用可微算子，可以在 ``autograd.record()`` 中使用，梯度能传到 X 和 K。
    见第 2 课《自定义卷积层》；第 5 课解释它为什么快。
    """
    Xn, Kn, p, s, out_dtype = _prepare_2d(X, K, padding, stride, "corr2d_fast")
    out_h, out_w = out_hw(Xn.shape, Kn.shape, p, s)
    small = Kn.size * out_h * out_w <= IM2COL_MAX_ELEMENTS
    return _finish((_corr2d_im2col_nd if small else _corr2d_rows_nd)(Xn, Kn, p, s), out_dtype, X)


def im2col(X: Array, kernel_size: IntPair, padding: IntPair = 0, stride: IntPair = 1) -> Array:
    """把输入的每个窗口展开成矩阵的一列：X (h, w) 或 (c, h, w) → (c·k_h·k_w, 输出高·输出宽)。

    第 j 列是第 j 个窗口（按行优先顺序）拉平后的元素，填充的位置为 0。见第 5 课。
    """
    Xn, k, p, s = _check_im2col_args(X, kernel_size, padding, stride)
    X3 = Xn.reshape((1,) + Xn.shape) if Xn.ndim == 2 else Xn
    return like(unroll(X3, k, p, s), X)


def _check_im2col_args(X, kernel_size, padding, stride):
    """im2col 的输入检查：返回 (Xn, 窗口, 填充, 步幅)。"""
    Xn = as_nd(X, "输入 X")
    k = pair(kernel_size, "窗口大小 kernel_size", 1)
    p = pair(padding, "填充 padding", 0)
    s = pair(stride, "步幅 stride", 1)
    check_2d_or_3d(Xn, "输入 X")
    check_window_fits(Xn.shape[-2:], k, "输入 X", "窗口", padding=p)
    c = Xn.shape[0] if Xn.ndim == 3 else 1
    compute_dtype(Xn, "输入 X", "im2col")
    check_window_memory(c, Xn.shape[-2:], k, p, s, 0, onp.dtype(Xn.dtype).itemsize)
    return Xn, k, p, s


def _prepare_multi(X: object, K: object, k_ndim: int, k_meaning: str,
                   padding: IntPair, stride: IntPair, fn: str):
    """多通道版本共用的检查：X 为 (c_i, h, w)，K 的维数为 k_ndim 且输入通道数与 X 相同。

    返回值同 ``_prepare_2d``。
    """
    Xn, Kn = as_nd(X, "输入 X"), as_nd(K, "卷积核 K")
    p = pair(padding, "填充 padding", 0)
    s = pair(stride, "步幅 stride", 1)
    check_ndim(Xn, 3, "输入 X", "(通道, 高, 宽)")
    check_ndim(Kn, k_ndim, "卷积核 K", k_meaning)
    c_i = Kn.shape[-3]
    if Xn.shape[0] != c_i:
        raise ValueError(f"输入 X 有 {Xn.shape[0]} 个通道（形状 {tuple(Xn.shape)}），卷积核 K 却有 "
                         f"{c_i} 个输入通道（形状 {tuple(Kn.shape)}）；两者应相等。")
    check_window_fits(Xn.shape[1:], Kn.shape[-2:], "输入 X", "卷积核 K", padding=p)
    check_same_device_and_dtype(Xn, Kn, "输入 X", "卷积核 K")
    return _cast_for(fn, Xn, Kn, p, s, c_i, Kn.shape[0] if k_ndim == 4 else 1)


def corr2d_multi_in(X: Array, K: Array, padding: IntPair = 0, stride: IntPair = 1) -> Array:
    """多输入通道的互相关：每个通道分别做互相关再相加。X (c_i, h, w)，K (c_i, k_h, k_w) → (输出高, 输出宽)。

    用 im2col + 一次矩阵乘法计算，可微。见《多输入多输出通道》一课。
    """
    Xn, Kn, p, s, out_dtype = _prepare_multi(X, K, 3, "(输入通道, 高, 宽)", padding, stride,
                                             "corr2d_multi_in")
    hw = out_hw(Xn.shape[1:], Kn.shape[1:], p, s)
    cols = unroll(Xn, Kn.shape[1:], p, s)
    return _finish(mx.nd.dot(Kn.reshape((1, -1)), cols).reshape(hw), out_dtype, X)


def corr2d_multi_in_out(X: Array, K: Array, padding: IntPair = 0, stride: IntPair = 1) -> Array:
    """多输入多输出通道的互相关：X (c_i, h, w)，K (c_o, c_i, k_h, k_w) → (c_o, 输出高, 输出宽)。

    每个输出通道是一次 ``corr2d_multi_in``；这里用 im2col + 一次矩阵乘法一起算，可微。
    见《多输入多输出通道》一课。
    """
    Xn, Kn, p, s, out_dtype = _prepare_multi(X, K, 4, "(输出通道, 输入通道, 高, 宽)", padding, stride,
                                             "corr2d_multi_in_out")
    hw = out_hw(Xn.shape[1:], Kn.shape[2:], p, s)
    cols = unroll(Xn, Kn.shape[2:], p, s)
    Y = mx.nd.dot(Kn.reshape((Kn.shape[0], -1)), cols)
    return _finish(Y.reshape((Kn.shape[0],) + hw), out_dtype, X)


def corr2d_multi_in_out_1x1(X: Array, K: Array, padding: IntPair = 0,
                            stride: IntPair = 1) -> Array:
    """1x1 卷积层就是矩阵乘法：X (c_i, h, w)，K (c_o, c_i, 1, 1) → (c_o, 输出高, 输出宽)。

    把 K 看成 (c_o, c_i) 矩阵，X 看成 (c_i, h·w) 矩阵，相乘即得；可微。见《多输入多输出通道》一课。
    """
    Xn, Kn, p, s, out_dtype = _prepare_multi(X, K, 4, "(输出通道, 输入通道, 1, 1)", padding, stride,
                                             "corr2d_multi_in_out_1x1")
    if Kn.shape[2:] != (1, 1):
        raise ValueError(f"卷积核 K 的高和宽应为 (1, 1)，实际形状是 {tuple(Kn.shape)}；"
                         f"一般的卷积核请用 corr2d_multi_in_out。")
    Xn = pad_hw(Xn, p)
    if s != (1, 1):
        Xn = mx.nd.slice(Xn, begin=(None, None, None), end=(None, None, None), step=(1,) + s)
    c_i, h, w = Xn.shape
    Y = mx.nd.dot(Kn.reshape((Kn.shape[0], c_i)), Xn.reshape((c_i, h * w)))
    return _finish(Y.reshape((Kn.shape[0], h, w)), out_dtype, X)
