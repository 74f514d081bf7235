"""d2lutils.try_gpu / try_all_gpus / gpu_works / describe_devices，以及课程的块在 cpu(0)、cpu(1) 两个设备上的中文错误。

第 04 课关于 MXNet 本身的说法（copyto 与 as_in_context、两个 CPU 设备上的数组直接相加、初始值与设备无关）
由第 04 课的单元格演示，nbval 比较它们存储的输出。
"""

import mxnet as mx
import numpy as onp
import pytest
from mxnet import nd
from mxnet.gluon import nn

import d2lutils
from d2lutils import device


def _probe(i: int) -> bool:
    """与 d2lutils 无关的真实探测：在 gpu(i) 上算一次 2 × 2 的和。"""
    try:
        return bool((nd.ones((2, 2), ctx=mx.gpu(i)) * 2).sum().asscalar() == 8)
    except mx.base.MXNetError:
        return False


def test_on_this_machine_the_answer_matches_a_real_probe():
    try:
        count = mx.context.num_gpus()
    except mx.base.MXNetError:
        count = 0
    working = [mx.gpu(i) for i in range(count) if _probe(i)]
    ctx = d2lutils.try_gpu()
    assert isinstance(ctx, mx.Context)
    # 无论选中哪个设备，都能在上面真正计算
    assert (nd.ones((2, 2), ctx=ctx) * 2).sum().asscalar() == 8
    # 有 GPU 和没有 GPU 时都检查：与真实探测的结果一致（本机是 CPU 版 MXNet：cpu()、[cpu()]、False）
    assert ctx == (mx.gpu(0) if _probe(0) else mx.cpu())
    assert d2lutils.try_all_gpus() == (working or [mx.cpu()])
    assert d2lutils.gpu_works(0) is _probe(0)


def test_fallback_when_the_gpu_count_itself_fails(monkeypatch):
    def broken():
        raise mx.base.MXNetError("CUDA: driver version is insufficient")
    monkeypatch.setattr(mx.context, "num_gpus", broken)
    assert d2lutils.gpu_works(0) is False
    assert d2lutils.try_gpu() == mx.cpu()
    assert d2lutils.try_all_gpus() == [mx.cpu()]


class FakeGPUs:
    """假装有 n 块 GPU：mx.gpu(i) 换成 cpu(i)，编号在 broken 里的 GPU 一计算就报错。"""

    def __init__(self, monkeypatch, n, broken=()):
        real_ones = nd.ones
        monkeypatch.setattr(mx.context, "num_gpus", lambda: n)
        monkeypatch.setattr(mx, "gpu", lambda i=0: mx.cpu(i))

        def ones(shape, ctx=None, **kwargs):
            if ctx is not None and ctx.device_id in broken:
                raise mx.base.MXNetError("no kernel image is available for execution on the device")
            return real_ones(shape, ctx=ctx, **kwargs)
        monkeypatch.setattr(mx.nd, "ones", ones)


def test_listed_gpu_without_kernels_is_not_used(monkeypatch):
    FakeGPUs(monkeypatch, n=1, broken={0})
    assert d2lutils.gpu_works(0) is False
    assert d2lutils.try_gpu(0) == mx.cpu()
    assert d2lutils.try_all_gpus() == [mx.cpu()]


def test_only_working_gpus_are_returned(monkeypatch):
    FakeGPUs(monkeypatch, n=3, broken={1})
    assert d2lutils.gpu_works(0) and not d2lutils.gpu_works(1) and d2lutils.gpu_works(2)
    assert d2lutils.gpu_works(3) is False  # 超出个数：不去碰设备
    assert d2lutils.try_gpu(2) == mx.cpu(2)  # 假 GPU 2
    assert d2lutils.try_gpu(1) == mx.cpu()   # 坏的 GPU 1 → 退回 CPU
    assert d2lutils.try_all_gpus() == [mx.cpu(0), mx.cpu(2)]


def test_describe_devices_names_each_gpu(monkeypatch, capsys):
    FakeGPUs(monkeypatch, n=2, broken={1})
    monkeypatch.setattr(mx.runtime, "Features", lambda: type("F", (), {"is_enabled": lambda self, n: n == "CUDA"})())
    assert d2lutils.describe_devices() == [mx.cpu(0)]   # 假 GPU 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "GPU 0：可以使用。"
    assert lines[1].startswith("GPU 1：MXNet 能看到它，却无法在上面运算。") and len(lines) == 2
    monkeypatch.setattr(mx.context, "num_gpus", lambda: 0)
    assert d2lutils.describe_devices() == [mx.cpu()]
    assert "没有找到可用的 GPU（或显卡驱动太旧），计算将在 CPU 上进行" in capsys.readouterr().out


@pytest.mark.parametrize("bad", [-1, 1.0, "0", True])
def test_bad_gpu_index(bad):
    with pytest.raises(ValueError, match="GPU 编号"):
        d2lutils.gpu_works(bad)


def test_num_gpus_helper_never_raises(monkeypatch):
    monkeypatch.setattr(mx.context, "num_gpus",
                        lambda: (_ for _ in ()).throw(mx.base.MXNetError("x")))
    assert device._num_gpus() == 0


# ---- 数据与参数在不同设备上：cpu(0)、cpu(1) ----

@pytest.mark.parametrize("make", [
    lambda: nn.Conv2D(1, kernel_size=(1, 2)),
    lambda: d2lutils.Conv2D((1, 2)),
    lambda: d2lutils.HybridConv2D((1, 2)),
])
def test_block_on_one_device_refuses_data_on_another(make):
    net = make()
    net.initialize(ctx=mx.cpu(1))
    X, _ = d2lutils.edge_data(ctx=mx.cpu(0))
    if isinstance(net, nn.Conv2D):
        X = X.reshape((1, 1, 6, 8))
    if isinstance(net, nn.Conv2D):  # Gluon 自己的（英文）错误
        with pytest.raises(RuntimeError, match=r"not initialized on context cpu\(0\).*\[cpu\(1\)\]"):
            net(X)
    else:  # 我们的块先检查，给出中文错误
        with pytest.raises(ValueError, match=r"数据在 cpu\(0\) 上.*只在 \[cpu\(1\)\] 上"):
            net(X)
    # 把参数移到数据所在的设备之后就可以了
    net.collect_params().reset_ctx(mx.cpu(0))
    assert net(X).context == mx.cpu(0)


def test_learn_kernel_names_both_devices():
    net = d2lutils.Conv2D((1, 2))
    net.initialize(ctx=mx.cpu(1))
    X, Y = d2lutils.edge_data(ctx=mx.cpu(0))
    with pytest.raises(ValueError, match=r"数据在 cpu\(0\) 上.*\[cpu\(1\)\]"):
        d2lutils.learn_kernel(net, X, Y)
    with pytest.raises(ValueError, match=r"标签 Y 却在 cpu\(1\)"):
        d2lutils.learn_kernel(net, X, Y.as_in_context(mx.cpu(1)))
