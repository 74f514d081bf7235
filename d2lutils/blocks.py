"""自定义的二维卷积层：在 ``autograd.record()`` 中可以求导、因而可以训练。"""

from __future__ import annotations

from typing import Sequence

import mxnet as mx
from mxnet.gluon import nn

from ._arrays import (as_nd, check_memory, check_ndim, check_params_on, check_same_device_and_dtype,
                      check_window_fits, compute_dtype, like)
from ._windows import pair


class Conv2D(nn.Block):
    """单通道二维卷积层：(n_h, n_w) 的输入 → 平移相加的互相关 + bias，形状 (n_h-k_h+1, n_w-k_w+1)。见第 2 课。

    参数 ``weight`` 的形状为 kernel_size，``bias`` 的形状为 (1,)，偏置初始化为 0（与 ``nn.Conv2D`` 相同）。
    与 d2l-zh 第一版 5.1 节的 ``Conv2D``（第 2 课开头）的关键区别：互相关运算用第 2 课的平移相加
    （``_corr2d_shift_add``，不对数组逐元素赋值），所以能在 ``autograd.record()`` 中求梯度。
    """

    def __init__(self, kernel_size: int | Sequence[int], **kwargs) -> None:
        super().__init__(**kwargs)
        self.kernel_size = _kernel_shape(kernel_size)
        self.weight = self.params.get("weight", shape=self.kernel_size)
        self.bias = self.params.get("bias", shape=(1,), init=mx.init.Zero())

    def forward(self, x: mx.nd.NDArray) -> mx.nd.NDArray:
        X = _checked_input(self, x, "Conv2D")  # 形状、数据类型、设备不对时给出中文错误
        # 取出与输入位于同一设备上的参数（见第 4 课）
        Y = _corr2d_shift_add(mx.nd, X, self.weight.data(X.context), *self.kernel_size)
        return Y + self.bias.data(X.context)


def _kernel_shape(kernel_size: object) -> tuple[int, int]:
    """两种卷积层共用：检查卷积核形状（正整数或二元组，参数放得进内存），返回 (高, 宽)。"""
    k = pair(kernel_size, "卷积核形状 kernel_size", 1)
    check_memory(k[0] * k[1], 8, f"形状为 {k} 的卷积核 weight ")
    return k


def _checked_input(block: nn.Block, x: object, fn: str) -> mx.nd.NDArray:
    """两种卷积层共用的输入检查：数组、(高, 宽)、数据类型、参数已初始化且与输入同设备同类型。"""
    X = as_nd(x, "输入 X")
    check_ndim(X, 2, "输入 X", "(高, 宽)")
    compute_dtype(X, "输入 X", fn)
    check_params_on(block.collect_params(), X.context)
    W = block.weight.data(X.context)
    check_same_device_and_dtype(X, W, "输入 X", "参数 weight")
    check_window_fits(X.shape, W.shape, "输入 X", "卷积核 weight")
    return X


def _corr2d_shift_add(F, X, K, k_h: int, k_w: int):
    """用 F 的算子（``mx.nd`` 或 ``mx.sym``）实现的平移相加互相关，不需要知道 X 的形状。

    输出的第 (i, j) 个元素是 sum_{a,b} X[i+a, j+b] K[a, b]：对卷积核的每个位置 (a, b)，
    取出 X 中从 (a, b) 开始、比 X 少 (k_h-1, k_w-1) 行列的切片，乘以 K[a, b] 后相加。
    结束位置用负数（从末尾数）表示，所以符号式计算图里也能用。
    """
    terms = []
    for a in range(k_h):
        for b in range(k_w):
            end = (a - (k_h - 1) or None, b - (k_w - 1) or None)
            window = F.slice(X, begin=(a, b), end=end)
            tap = F.slice(K, begin=(a, b), end=(a + 1, b + 1))
            terms.append(F.broadcast_mul(window, tap))
    return terms[0] if len(terms) == 1 else F.add_n(*terms)


class HybridConv2D(nn.HybridBlock):
    """单通道二维卷积层的 HybridBlock 版本，``hybridize()`` 之后仍然可用；形状同 ``Conv2D``。见第 2 课。

    ``hybrid_forward`` 只用 ``F.slice``、``F.broadcast_mul``、``F.add_n`` 写出平移相加的互相关，
    ``F`` 在命令式执行时是 ``mx.nd``，``hybridize()`` 之后是 ``mx.sym``。
    """

    def __init__(self, kernel_size: int | Sequence[int], **kwargs) -> None:
        super().__init__(**kwargs)
        self.kernel_size = _kernel_shape(kernel_size)
        self.weight = self.params.get("weight", shape=self.kernel_size)
        self.bias = self.params.get("bias", shape=(1,), init=mx.init.Zero())

    def forward(self, x, *args):
        # 先在这里检查输入（符号式计算图里的形状错误很难读懂），再交给 HybridBlock；
        # 符号（导出计算图时）原样交给 HybridBlock
        if isinstance(x, mx.sym.Symbol):
            return super().forward(x, *args)
        X = _checked_input(self, x, "HybridConv2D")
        # hybrid_forward 用旧版算子：mx.np 数组先转成 NDArray，结果再转回去
        return like(super().forward(X, *args), x)

    def hybrid_forward(self, F, x, weight, bias):
        k_h, k_w = self.kernel_size
        Y = _corr2d_shift_add(F, x, weight, k_h, k_w)
        return F.broadcast_add(Y, F.reshape(bias, shape=(1, 1)))
