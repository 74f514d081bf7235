"""选择计算设备：有能真正运行 MXNet 算子的 GPU 就用 GPU，否则用 CPU。"""

from __future__ import annotations

import mxnet as mx


def gpu_works(i: int = 0) -> bool:
    """在第 i 个 GPU 上做一次很小的真实运算，成功则返回 True。

    只看 ``mx.context.num_gpus()`` 不够：GPU 可能被列出，却没有适合它的计算内核
    （例如 MXNet 1.9.1 的 GPU 版在 H100 上报 “no kernel image is available”）。
    """
    try:
        if i >= mx.context.num_gpus():
            return False
        x = mx.nd.ones((2, 2), ctx=mx.gpu(i))
        return float((x + x).sum().asscalar()) == 8.0
    except mx.base.MXNetError:
        return False


def try_gpu(i: int = 0) -> mx.Context:
    """第 i 个 GPU 能用就返回 ``mx.gpu(i)``，否则返回 ``mx.cpu()``。见第 04 课。"""
    return mx.gpu(i) if gpu_works(i) else mx.cpu()


def try_all_gpus() -> list[mx.Context]:
    """返回所有能用的 GPU；一个都没有时返回 ``[mx.cpu()]``。见第 04 课。"""
    gpus = [mx.gpu(i) for i in range(mx.context.num_gpus()) if gpu_works(i)]
    return gpus or [mx.cpu()]
