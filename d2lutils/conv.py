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
