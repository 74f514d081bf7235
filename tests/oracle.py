"""测试用的独立参考实现：NumPy float64，与 MXNet 无关。"""

import numpy as onp


def corr2d_ref(X, K):
    """按定义计算的二维互相关（float64）。"""
    X = onp.asarray(X, dtype=onp.float64)
    K = onp.asarray(K, dtype=onp.float64)
    kh, kw = K.shape
    out = onp.empty((X.shape[0] - kh + 1, X.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = onp.sum(X[i:i + kh, j:j + kw] * K)
    return out
