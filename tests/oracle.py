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


def conv_ref(X, K, padding=(0, 0), stride=(1, 1)):
    """多输入多输出通道的互相关（float64，逐元素循环）：X (c_i, h, w)，K (c_o, c_i, k_h, k_w)。

    填充的位置为 0；输出形状 (c_o, (h + 2p - k) // s + 1, ...)，与 nn.Conv2D 的定义相同。
    """
    X = onp.asarray(X, dtype=onp.float64)
    K = onp.asarray(K, dtype=onp.float64)
    (ph, pw), (sh, sw) = padding, stride
    c_i, h, w = X.shape
    c_o, _, kh, kw = K.shape
    P = onp.zeros((c_i, h + 2 * ph, w + 2 * pw))
    P[:, ph:ph + h, pw:pw + w] = X
    out = onp.empty((c_o, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1))
    for o in range(c_o):
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                out[o, i, j] = onp.sum(P[:, i * sh:i * sh + kh, j * sw:j * sw + kw] * K[o])
    return out


def pool_ref(X, pool_size, mode, padding=(0, 0), stride=None, count_include_pad=True):
    """二维汇聚（float64，逐元素循环）：X (c, h, w)。

    最大汇聚只看真实元素（填充处不参与）；平均汇聚在 count_include_pad=True 时把填充的 0 计入分母
    （nn.AvgPool2D 的默认），否则只除以窗口里真实元素的个数。
    """
    X = onp.asarray(X, dtype=onp.float64)
    (kh, kw), (ph, pw) = pool_size, padding
    sh, sw = stride or pool_size
    c, h, w = X.shape
    out = onp.empty((c, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1))
    for ch in range(c):
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                top, left = i * sh - ph, j * sw - pw
                rows = range(max(top, 0), min(top + kh, h))
                cols = range(max(left, 0), min(left + kw, w))
                window = X[ch][onp.ix_(list(rows), list(cols))]
                if mode == "max":
                    out[ch, i, j] = window.max()
                else:
                    out[ch, i, j] = window.sum() / (kh * kw if count_include_pad else window.size)
    return out


def im2col_ref(X, kernel_size, padding=(0, 0), stride=(1, 1)):
    """im2col（float64）：X (c, h, w) → (c·k_h·k_w, 输出高·输出宽)，第 j 列是第 j 个窗口（行优先）拉平，填充为 0。"""
    X = onp.asarray(X, dtype=onp.float64)
    (kh, kw), (ph, pw), (sh, sw) = kernel_size, padding, stride
    c, h, w = X.shape
    P = onp.zeros((c, h + 2 * ph, w + 2 * pw))
    P[:, ph:ph + h, pw:pw + w] = X
    out_h, out_w = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    cols = [P[:, i * sh:i * sh + kh, j * sw:j * sw + kw].reshape(-1) for i in range(out_h) for j in range(out_w)]
    return onp.stack(cols, axis=1)
