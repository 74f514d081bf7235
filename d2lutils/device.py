"""选择计算设备：有能真正运行 MXNet 算子的 GPU 就用 GPU，否则用 CPU。"""

from __future__ import annotations

import mxnet as mx

from ._arrays import is_int


def _num_gpus() -> int:
    """MXNet 看得到的 GPU 个数；CPU 版 MXNet 或 CUDA 驱动出错时返回 0（不抛出异常）。"""
    try:
        return int(mx.context.num_gpus())
    except mx.base.MXNetError:
        return 0


def _check_index(i: object) -> int:
    if not is_int(i) or i < 0:
        raise ValueError(f"GPU 编号 i 应为非负整数（0 表示第一块 GPU），实际是 {i!r}。")
    return int(i)


def gpu_works(i: int = 0) -> bool:
    """在第 i 个 GPU 上做一次很小的真实运算，成功则返回 True。见第 04 课。

    只看 ``mx.context.num_gpus()`` 不够：GPU 可能被列出，却没有适合它的计算内核
    （例如 MXNet 1.9.1 的 GPU 版在 H100 上报 “no kernel image is available”）。
    CPU 版 MXNet 上不会去碰 GPU，因此也不会打印任何日志。
    """
    i = _check_index(i)
    if i >= _num_gpus():
        return False
    try:
        x = mx.nd.ones((2, 2), ctx=mx.gpu(i))
        # asscalar() 等待异步计算完成，内核启动失败的错误在这里抛出
        return float((x + x).sum().asscalar()) == 8.0
    except mx.base.MXNetError:
        return False


def try_gpu(i: int = 0) -> mx.Context:
    """第 i 个 GPU 能用就返回 ``mx.gpu(i)``，否则返回 ``mx.cpu()``。见第 04 课。"""
    return mx.gpu(i) if gpu_works(i) else mx.cpu()


def try_all_gpus() -> list[mx.Context]:
    """返回所有能用的 GPU；一个都没有时返回 ``[mx.cpu()]``。见第 04 课。"""
    gpus = [mx.gpu(i) for i in range(_num_gpus()) if gpu_works(i)]
    return gpus or [mx.cpu()]


def describe_devices() -> list[mx.Context]:
    """用中文说明 MXNet 能用哪些设备（GPU 不能用时说明原因），返回 ``try_all_gpus()`` 的结果。

    只在被调用时打印，所以课程笔记本的存储输出不受机器上有没有 GPU 的影响。
    """
    if not mx.runtime.Features().is_enabled("CUDA"):
        print("当前安装的是 CPU 版 MXNet，计算都在 CPU 上进行。想用 GPU，见课程的 docs/gpu.md。")
        return [mx.cpu()]
    count = _num_gpus()
    if count == 0:
        print("安装的是 GPU 版 MXNet，但没有找到可用的 GPU（或显卡驱动太旧），计算将在 CPU 上进行。")
    for i in range(count):
        if gpu_works(i):
            print(f"GPU {i}：可以使用。")
        else:
            print(f"GPU {i}：MXNet 能看到它，却无法在上面运算。MXNet 1.9.1 的 GPU 版只带有 sm_50 到 sm_86 的"
                  "计算内核，H100、H200（sm_90）及更新的 GPU 无法使用；这块 GPU 上的计算改在 CPU 上进行。")
    return try_all_gpus()
