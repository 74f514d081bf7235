"""二维互相关运算。"""

from __future__ import annotations

import mxnet as mx

from ._arrays import Array, as_nd, check_ndim, check_window_fits, like


def _check_corr2d_inputs(X: mx.nd.NDArray, K: mx.nd.NDArray) -> None:
    check_ndim(X, 2, "输入 X", "(高, 宽)")
    check_ndim(K, 2, "卷积核 K", "(高, 宽)")
    check_window_fits(X.shape, K.shape, "输入 X", "卷积核 K")


def corr2d(X: Array, K: Array) -> Array:
    """二维互相关运算（逐元素循环的教学版）。

    X: (n_h, n_w)，K: (k_h, k_w) → 输出 (n_h - k_h + 1, n_w - k_w + 1)。
    接受 ``nd.NDArray`` 或 ``mx.np.ndarray``，返回同一种数组，位于输入的设备上。
    见第 01 课《二维互相关运算》。
    """
    Xn, Kn = as_nd(X, "输入 X"), as_nd(K, "卷积核 K")
    _check_corr2d_inputs(Xn, Kn)
    h, w = Kn.shape
    Y = mx.nd.zeros((Xn.shape[0] - h + 1, Xn.shape[1] - w + 1),
                    ctx=Xn.context, dtype=Xn.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (Xn[i: i + h, j: j + w] * Kn).sum()
    return like(Y, X)


def _pair(value: int | tuple[int, int], name: str, minimum: int) -> tuple[int, int]:
    """把 ``2`` 或 ``(2, 3)`` 统一成 (高, 宽) 二元组，并检查取值范围。"""
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= minimum for v in pair):
        raise ValueError(f"{name} 应为不小于 {minimum} 的整数或 (高, 宽) 整数二元组，实际是 {value!r}。")
    return pair


def corr2d_fast(X: Array, K: Array, padding: int | tuple[int, int] = 0,
                stride: int | tuple[int, int] = 1) -> Array:
    """二维互相关运算的向量化、可微版本（按卷积核的每个元素平移输入再相加）。

    X: (n_h, n_w)，K: (k_h, k_w)；padding、stride 为整数或 (高, 宽) 二元组。
    输出形状为 ((n_h + 2p_h - k_h) // s_h + 1, (n_w + 2p_w - k_w) // s_w + 1)。
    不对数组做逐元素赋值，因此可以在 ``autograd.record()`` 中使用，梯度能传到 X 和 K。
    见第 02 课《自定义卷积层》。
    """
    Xn, Kn = as_nd(X, "输入 X"), as_nd(K, "卷积核 K")
    ph, pw = _pair(padding, "填充 padding", 0)
    sh, sw = _pair(stride, "步幅 stride", 1)
    check_ndim(Xn, 2, "输入 X", "(高, 宽)")
    check_ndim(Kn, 2, "卷积核 K", "(高, 宽)")
    check_window_fits(Xn.shape, Kn.shape, "输入 X", "卷积核 K", padding=(ph, pw))
    if ph or pw:
        Xn = mx.nd.pad(Xn.reshape((1, 1) + Xn.shape), mode="constant",
                       pad_width=(0, 0, 0, 0, ph, ph, pw, pw)).reshape(
                           (Xn.shape[0] + 2 * ph, Xn.shape[1] + 2 * pw))
    k_h, k_w = Kn.shape
    out_h = (Xn.shape[0] - k_h) // sh + 1
    out_w = (Xn.shape[1] - k_w) // sw + 1
    Y = None
    for a in range(k_h):
        for b in range(k_w):
            window = mx.nd.slice(Xn, begin=(a, b),
                                 end=(a + sh * (out_h - 1) + 1, b + sw * (out_w - 1) + 1),
                                 step=(sh, sw))
            term = mx.nd.broadcast_mul(window, Kn[a:a + 1, b:b + 1])
            Y = term if Y is None else Y + term
    return like(Y, X)
