"""d2lutils 公共接口的模糊测试用例：每个公共名字一个 hypothesis 策略，生成好的和各种坏的调用。

每个例子是一个 Case：``call()`` 做一次调用；``bad`` 为 None 时调用必须成功，``check(result)``
对照 NumPy 参考实现（tests/oracle.py）核对结果；``bad`` 是字符串元组时调用必须抛出
ValueError/TypeError/EnvironmentProblem，中文信息里要含有其中每一个字符串（出错的参数名、它的值或形状）。
新增公共函数时在 FUZZ 里登记它，否则 test_every_public_name_is_fuzzed 失败。
"""

from __future__ import annotations

import contextlib
import io
import math
from dataclasses import dataclass, field
from typing import Callable

import mxnet as mx
import numpy as onp
from hypothesis import strategies as st
from mxnet import autograd, gluon, nd, np as mnp, npx
from mxnet.gluon import nn

import d2lutils
from d2lutils._arrays import ALL_DTYPES, DTYPE_TABLE
from oracle import conv_ref, corr2d_ref, im2col_ref, pool_ref

CTXS = (mx.cpu(0), mx.cpu(1))
HUGE = st.integers(10**5, 10**9)  # 填充、窗口等：中间数组远远放不下


@dataclass
class Case:
    call: Callable[[], object]
    bad: tuple[str, ...] | None = None  # None：必须成功；否则：中文错误必须含有这些字符串
    check: Callable[[object], None] = lambda result: None
    what: str = ""
    np_shape: bool = False  # 在 NumPy 语义（npx.set_np）下调用：只有这样才能创建空数组和零维数组
    notes: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Case({self.what}, bad={self.bad})"


def ok_dtypes(fn: str) -> list[str]:
    return list(DTYPE_TABLE[fn])


def refused_dtypes(fn: str) -> list[str]:
    return [d for d in ALL_DTYPES if d not in DTYPE_TABLE[fn]]


# ---------- 数组 ----------

@st.composite
def values(draw, shape, dtype="float32", special=True):
    """小整数（在 float16 中也精确），浮点类型时可能带 NaN、±inf。"""
    rng = onp.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a = rng.integers(-3, 4, size=shape).astype(onp.float64)
    if special and dtype.startswith("float") and a.size and draw(st.integers(0, 5)) == 0:
        flat = a.reshape(-1)
        for _ in range(draw(st.integers(1, 3))):
            flat[rng.integers(flat.size)] = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    if dtype == "bool":
        return a > 0
    if dtype == "uint8":
        return onp.abs(onp.nan_to_num(a)).astype(dtype)
    return a.astype(dtype) if dtype.startswith("float") else onp.nan_to_num(a).astype(dtype)


def to_mx(a: onp.ndarray, kind: str, ctx=mx.cpu(0), dtype=None):
    dtype = dtype or a.dtype.name
    if kind == "np":
        return mnp.array(a, dtype=dtype, ctx=ctx)
    return nd.array(a, dtype=dtype, ctx=ctx)


def not_arrays(a: onp.ndarray):
    """MXNet 数组之外的各种东西：NumPy 数组、列表、None、字符串、数。"""
    return st.sampled_from([a, a.tolist(), None, "X", 3, 2.5])


def type_name(v) -> str:
    return type(v).__name__


def close(actual, expected, dtype):
    actual = actual.asnumpy().astype(onp.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    tol = 1e-2 if dtype == "float16" else 1e-5
    onp.testing.assert_allclose(actual, expected, rtol=tol, atol=tol, equal_nan=True)


def check_array_result(interface, ctx, dtype, expected):
    def check(Y):
        assert isinstance(Y, mnp.ndarray) == (interface == "np"), type(Y)
        assert Y.context == ctx and onp.dtype(Y.dtype).name == dtype, (Y.context, Y.dtype)
        close(Y, expected, dtype)
    return check


sizes = st.sampled_from([0, -1, -3, 1.5, 2.0, None, "2", True, (1,), (1, 2, 3), (1, -1), (0, 1), [2, 2.5]])
strides = st.sampled_from([0, -1, 1.5, None, "1", False, (1, 0), (0, 1), (1,), (1, 1, 1), onp.float64(1.0)])
paddings = st.sampled_from([-1, -2, 0.5, None, "0", True, (0, -1), (0,), (0, 0, 0), onp.float32(1)])


def shared_bad_case(draw, kind, call, fn_name, x, k, X, K, interface, ctx, dtype, what):
    """单通道和多通道的互相关共有的错误输入：设备不同、数据类型不一致或不支持、填充、步幅。
    call(X, K, **改动的参数) 用其余参数照常调用被测函数；kind 不是这几种时返回 None。"""
    if kind == "device":
        K1 = to_mx(k, interface, mx.cpu(1) if ctx == mx.cpu(0) else mx.cpu(0))
        return Case(lambda: call(X, K1), (str(ctx), str(K1.context)), what=what)
    if kind == "dtype_mismatch":
        other = draw(st.sampled_from([d for d in ALL_DTYPES if d != dtype]))
        K2 = to_mx(draw(values(k.shape, other)), interface, ctx)
        return Case(lambda: call(X, K2), (dtype, other), what=what + f" K {other}")
    if kind == "dtype_refused":
        bad = draw(st.sampled_from(refused_dtypes(fn_name)))
        X3, K3 = (to_mx(draw(values(a.shape, bad)), interface, ctx) for a in (x, k))
        return Case(lambda: call(X3, K3), ("输入 X", bad), what=what + f" {bad}")
    if kind == "padding":
        v = draw(paddings)
        return Case(lambda: call(X, K, padding=v), ("填充 padding", repr(v)), what=what + f" padding={v!r}")
    if kind == "stride":
        v = draw(strides)
        return Case(lambda: call(X, K, stride=v), ("步幅 stride", repr(v)), what=what + f" stride={v!r}")
    return None


# ---------- 单通道互相关：corr2d、corr2d_shift、corr2d_im2col、corr2d_rows、corr2d_fast ----------

def single_channel(fn_name: str):
    fn = getattr(d2lutils, fn_name)
    loop = fn_name == "corr2d"  # 教学版没有 padding、stride 参数

    @st.composite
    def strat(draw):
        kind = draw(st.sampled_from(["valid", "valid", "type", "rank", "empty", "device", "dtype_mismatch",
                                     "dtype_refused", "padding", "stride", "window", "huge"]))
        if loop and kind in ("padding", "stride", "huge"):
            kind = "valid"
        dtype = draw(st.sampled_from(ok_dtypes(fn_name)))
        interface = draw(st.sampled_from(["nd", "np"]))
        ctx = draw(st.sampled_from(CTXS))
        h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
        p = (0, 0) if loop else (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
        s = (1, 1) if loop else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        kh, kw = draw(st.integers(1, h + 2 * p[0])), draw(st.integers(1, w + 2 * p[1]))
        x, k = draw(values((h, w), dtype)), draw(values((kh, kw), dtype))
        kw_args = {} if loop else {"padding": p, "stride": s}
        X, K = to_mx(x, interface, ctx), to_mx(k, interface, ctx)
        what = f"{fn_name} {kind} X{x.shape} K{k.shape} {dtype} {interface} {ctx} p={p} s={s}"
        if kind == "valid":
            expected = conv_ref(x[None], k[None, None], p, s)[0]
            return Case(lambda: fn(X, K, **kw_args), None, check_array_result(interface, ctx, dtype, expected), what)
        if kind == "type":
            which = draw(st.sampled_from(["X", "K"]))
            v = draw(not_arrays(x if which == "X" else k))
            args = (v, K) if which == "X" else (X, v)
            return Case(lambda: fn(*args, **kw_args), ("输入 X" if which == "X" else "卷积核 K", type_name(v)),
                        what=what + f" {which}={type_name(v)}")
        if kind == "rank":
            which = draw(st.sampled_from(["X", "K"]))
            shape = draw(st.sampled_from([(3,), (2, 3, 3), (1, 1, 2, 2)]))
            bad = to_mx(draw(values(shape, dtype)), interface, ctx)
            args = (bad, K) if which == "X" else (X, bad)
            return Case(lambda: fn(*args, **kw_args), ("输入 X" if which == "X" else "卷积核 K", str(shape)),
                        what=what + f" {which}{shape}")
        if kind == "empty":
            which = draw(st.sampled_from(["X", "K"]))
            shape = draw(st.sampled_from([(0, 3), (3, 0), (0, 0), ()]))
            args = lambda: ((mnp.zeros(shape), mnp.ones((1, 1))) if which == "X"  # noqa: E731
                            else (mnp.ones((3, 3)), mnp.zeros(shape)))
            return Case(lambda: fn(*args(), **kw_args), ("输入 X" if which == "X" else "卷积核 K", str(shape)),
                        what=what + f" empty {which}{shape}", np_shape=True)
        shared = shared_bad_case(draw, kind, lambda X_, K_, **kw: fn(X_, K_, **{**kw_args, **kw}),
                                 fn_name, x, k, X, K, interface, ctx, dtype, what)
        if shared is not None:
            return shared
        if kind == "window":
            K4 = to_mx(draw(values((h + 2 * p[0] + draw(st.integers(1, 3)), kw), dtype)), interface, ctx)
            return Case(lambda: fn(X, K4, **kw_args), ("卷积核 K", str(tuple(K4.shape)), "不能大于"),
                        what=what + f" K{K4.shape}")
        big = draw(HUGE)
        return Case(lambda: fn(X, K, padding=big, stride=s), ("GiB", f"{h + 2 * big}"), what=what + f" padding={big}")
    return strat()


# ---------- 多通道：corr2d_multi_in、corr2d_multi_in_out、corr2d_multi_in_out_1x1 ----------

def multi_channel(fn_name: str):
    fn = getattr(d2lutils, fn_name)
    k_ndim = 3 if fn_name == "corr2d_multi_in" else 4
    one_by_one = fn_name.endswith("1x1")

    @st.composite
    def strat(draw):
        kind = draw(st.sampled_from(["valid", "valid", "type", "rank", "channels", "device", "dtype_mismatch",
                                     "dtype_refused", "padding", "stride", "window", "huge"]
                                    + (["not_1x1"] if one_by_one else [])))
        dtype = draw(st.sampled_from(ok_dtypes(fn_name)))
        interface = draw(st.sampled_from(["nd", "np"]))
        ctx = draw(st.sampled_from(CTXS))
        c_i, c_o = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
        p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
        s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        kh, kw = (1, 1) if one_by_one else (draw(st.integers(1, h + 2 * p[0])), draw(st.integers(1, w + 2 * p[1])))
        k_shape = (c_i, kh, kw) if k_ndim == 3 else (c_o, c_i, kh, kw)
        x, k = draw(values((c_i, h, w), dtype)), draw(values(k_shape, dtype))
        X, K = to_mx(x, interface, ctx), to_mx(k, interface, ctx)
        what = f"{fn_name} {kind} X{x.shape} K{k.shape} {dtype} {interface} {ctx} p={p} s={s}"
        if kind == "valid":
            expected = conv_ref(x, k if k_ndim == 4 else k[None], p, s)
            expected = expected[0] if k_ndim == 3 else expected
            return Case(lambda: fn(X, K, padding=p, stride=s), None,
                        check_array_result(interface, ctx, dtype, expected), what)
        if kind == "type":
            which = draw(st.sampled_from(["X", "K"]))
            v = draw(not_arrays(x if which == "X" else k))
            args = (v, K) if which == "X" else (X, v)
            return Case(lambda: fn(*args, padding=p, stride=s),
                        ("输入 X" if which == "X" else "卷积核 K", type_name(v)), what=what)
        if kind == "rank":
            which = draw(st.sampled_from(["X", "K"]))
            shape = draw(st.sampled_from([(3,), (3, 3), (1, 1, 1, 1, 1)] + ([(1, 1, 1, 1)] if which == "X" else [])))
            if which == "K" and len(shape) == k_ndim:
                shape = (3, 3)
            bad = to_mx(draw(values(shape, dtype)), interface, ctx)
            args = (bad, K) if which == "X" else (X, bad)
            return Case(lambda: fn(*args, padding=p, stride=s),
                        ("输入 X" if which == "X" else "卷积核 K", str(shape)), what=what + f" {which}{shape}")
        if kind == "channels":
            bad_shape = (c_i + draw(st.integers(1, 2)),) + x.shape[1:]
            X2 = to_mx(draw(values(bad_shape, dtype)), interface, ctx)
            return Case(lambda: fn(X2, K, padding=p, stride=s), (str(bad_shape), str(k.shape)), what=what)
        shared = shared_bad_case(draw, kind, lambda X_, K_, **kw: fn(X_, K_, **{"padding": p, "stride": s, **kw}),
                                 fn_name, x, k, X, K, interface, ctx, dtype, what)
        if shared is not None:
            return shared
        if kind == "not_1x1":
            X5 = to_mx(draw(values((c_i, 3, 3), dtype)), interface, ctx)
            K5 = to_mx(draw(values(k_shape[:-2] + draw(st.sampled_from([(2, 1), (1, 2), (3, 3)])), dtype)),
                       interface, ctx)
            return Case(lambda: fn(X5, K5, padding=p, stride=s), ("(1, 1)", str(tuple(K5.shape))),
                        what=what + f" K{K5.shape}")
        if kind == "window":
            big = (h + 2 * p[0] + 1, kw)
            K4 = to_mx(draw(values(k_shape[:-2] + big, dtype)), interface, ctx)
            return Case(lambda: fn(X, K4, padding=p, stride=s), (str(big),), what=what + f" K{K4.shape}")
        huge = draw(HUGE)
        return Case(lambda: fn(X, K, padding=huge, stride=s), ("GiB",), what=what + f" padding={huge}")
    return strat()


# ---------- im2col、pool2d ----------

@st.composite
def im2col_cases(draw):
    kind = draw(st.sampled_from(["valid", "valid", "type", "rank", "dtype_refused", "kernel", "padding",
                                 "stride", "window", "huge"]))
    dtype = draw(st.sampled_from(ok_dtypes("im2col")))
    interface, ctx = draw(st.sampled_from(["nd", "np"])), draw(st.sampled_from(CTXS))
    three = draw(st.booleans())
    c, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 5)), draw(st.integers(1, 5))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    k = (draw(st.integers(1, h + 2 * p[0])), draw(st.integers(1, w + 2 * p[1])))
    x = draw(values((c, h, w) if three else (h, w), dtype))
    X = to_mx(x, interface, ctx)
    what = f"im2col {kind} X{x.shape} k={k} {dtype} p={p} s={s}"
    f = d2lutils.im2col
    if kind == "valid":
        expected = im2col_ref(x if three else x[None], k, p, s)
        return Case(lambda: f(X, k, padding=p, stride=s), None, check_array_result(interface, ctx, dtype, expected), what)
    if kind == "type":
        v = draw(not_arrays(x))
        return Case(lambda: f(v, k), ("输入 X", type_name(v)), what=what)
    if kind == "rank":
        shape = draw(st.sampled_from([(4,), (1, 1, 2, 2)]))
        Xr = to_mx(draw(values(shape, dtype)), interface, ctx)
        return Case(lambda: f(Xr, 1), ("输入 X", str(shape)), what=what)
    if kind == "dtype_refused":
        bad = draw(st.sampled_from(refused_dtypes("im2col")))
        Xb = to_mx(draw(values(x.shape, bad)), interface, ctx)
        return Case(lambda: f(Xb, k, padding=p, stride=s), ("输入 X", bad), what=what + f" {bad}")
    if kind == "kernel":
        v = draw(sizes)
        return Case(lambda: f(X, v, padding=p, stride=s), ("kernel_size", repr(v)), what=what + f" k={v!r}")
    if kind == "padding":
        v = draw(paddings)
        return Case(lambda: f(X, k, padding=v, stride=s), ("填充 padding", repr(v)), what=what)
    if kind == "stride":
        v = draw(strides)
        return Case(lambda: f(X, k, padding=p, stride=v), ("步幅 stride", repr(v)), what=what)
    if kind == "window":
        big = (h + 2 * p[0] + 1, k[1])
        return Case(lambda: f(X, big, padding=p, stride=s), (str(big), "不能大于"), what=what)
    huge = draw(HUGE)
    return Case(lambda: f(X, k, padding=huge, stride=s), ("GiB",), what=what + f" padding={huge}")


@st.composite
def pool_cases(draw):
    kind = draw(st.sampled_from(["valid", "valid", "valid", "type", "rank", "dtype_refused", "pool_size", "padding",
                                 "pad_vs_window", "stride", "mode", "include_pad", "window", "huge"]))
    dtype = draw(st.sampled_from(ok_dtypes("pool2d")))
    interface, ctx = draw(st.sampled_from(["nd", "np"])), draw(st.sampled_from(CTXS))
    three = draw(st.booleans())
    c, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 5)), draw(st.integers(1, 5))
    k = (draw(st.integers(1, h)), draw(st.integers(1, w)))
    p = (draw(st.integers(0, k[0] - 1)), draw(st.integers(0, k[1] - 1)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    mode = draw(st.sampled_from(["max", "avg"]))
    cip = draw(st.booleans())
    x = draw(values((c, h, w) if three else (h, w), dtype))
    X = to_mx(x, interface, ctx)
    what = f"pool2d {kind} X{x.shape} k={k} {mode} {dtype} p={p} s={s} cip={cip}"
    f = d2lutils.pool2d
    if kind == "valid":  # stride 总是显式给出：默认步幅由别的改动决定
        expected = pool_ref(x if three else x[None], k, mode, p, s, cip)
        expected = expected if three else expected[0]
        return Case(lambda: f(X, k, mode, padding=p, stride=s, count_include_pad=cip), None,
                    check_array_result(interface, ctx, dtype, expected), what)
    if kind == "type":
        v = draw(not_arrays(x))
        return Case(lambda: f(v, k, stride=s), ("输入 X", type_name(v)), what=what)
    if kind == "rank":
        shape = draw(st.sampled_from([(4,), (1, 1, 2, 2)]))
        Xr = to_mx(draw(values(shape, dtype)), interface, ctx)
        return Case(lambda: f(Xr, 1, stride=1), ("输入 X", str(shape)), what=what)
    if kind == "dtype_refused":
        bad = draw(st.sampled_from(refused_dtypes("pool2d")))
        Xb = to_mx(draw(values(x.shape, bad)), interface, ctx)
        return Case(lambda: f(Xb, k, mode, padding=p, stride=s), ("输入 X", bad), what=what + f" {bad}")
    if kind == "pool_size":
        v = draw(sizes)
        return Case(lambda: f(X, v, stride=s), ("pool_size", repr(v)), what=what + f" k={v!r}")
    if kind == "padding":
        v = draw(paddings)
        return Case(lambda: f(X, k, padding=v, stride=s), ("填充 padding", repr(v)), what=what)
    if kind == "pad_vs_window":
        return Case(lambda: f(X, k, padding=k, stride=s), ("填充 padding", str(k)), what=what)
    if kind == "stride":  # stride=None 表示默认步幅，不是错误
        v = draw(strides.filter(lambda v: v is not None))
        return Case(lambda: f(X, k, stride=v), ("步幅 stride", repr(v)), what=what)
    if kind == "mode":
        v = draw(st.sampled_from(["min", "MAX", "", None, 0, "mean"]))
        return Case(lambda: f(X, k, v, stride=s), ("mode", repr(v)), what=what)
    if kind == "include_pad":
        v = draw(st.sampled_from(["no", None, 0, 1.0, "True"]))
        return Case(lambda: f(X, k, "avg", stride=s, count_include_pad=v), ("count_include_pad", repr(v)), what=what)
    if kind == "window":
        big = (h + 1, k[1])
        return Case(lambda: f(X, big, stride=s), (str(big), "不能大于"), what=what)
    huge = draw(HUGE)
    return Case(lambda: f(X, huge, padding=huge - 1, stride=1), ("GiB",), what=what + f" pool={huge}")


# ---------- 卷积层 ----------

def conv_block(cls_name: str):
    cls = getattr(d2lutils, cls_name)

    @st.composite
    def strat(draw):
        kind = draw(st.sampled_from(["valid", "valid", "kernel_size", "huge_kernel", "type", "rank", "uninit",
                                     "device", "dtype_mismatch", "dtype_refused", "window"]))
        h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
        k = (draw(st.integers(1, h)), draw(st.integers(1, w)))
        dtype = draw(st.sampled_from(ok_dtypes(cls_name)))
        ctx, interface = draw(st.sampled_from(CTXS)), draw(st.sampled_from(["nd", "np"]))
        hybrid = cls_name == "HybridConv2D" and draw(st.booleans())
        x = draw(values((h, w), dtype))
        seed = draw(st.integers(0, 1000))
        what = f"{cls_name} {kind} X{x.shape} k={k} {dtype} {ctx} {interface} hybridize={hybrid}"
        if kind == "kernel_size":
            v = draw(sizes)
            return Case(lambda: cls(v), ("kernel_size", repr(v)), what=what + f" k={v!r}")
        if kind == "huge_kernel":
            v = (draw(HUGE), draw(HUGE))
            return Case(lambda: cls(v), ("GiB", str(v)), what=what + f" k={v}")

        def make(init_ctx=ctx, net_dtype=dtype, initialize=True):
            mx.random.seed(seed)
            net = cls(k)
            if initialize:
                net.initialize(mx.init.Uniform(3), ctx=init_ctx)
                net.cast(net_dtype)
                net.bias.set_data(nd.ones((1,), ctx=init_ctx, dtype=net_dtype) * 0.5)
            if hybrid:
                net.hybridize()
            return net

        X = to_mx(x, interface, ctx)

        def call():
            net = make()
            W = net.weight.data(ctx).asnumpy().astype(onp.float64)
            return net(X), W

        def check(result):
            Y, W = result
            expected = corr2d_ref(x, W) + 0.5 if onp.isfinite(x).all() else conv_ref(x[None], W[None, None])[0] + 0.5
            assert onp.dtype(Y.dtype).name == dtype and Y.context == ctx
            close(Y, expected, dtype)
        if kind == "valid":
            return Case(call, None, check, what)
        if kind == "type":
            v = draw(not_arrays(x))
            return Case(lambda: make()(v), ("输入 X", type_name(v)), what=what)
        if kind == "rank":
            shape = draw(st.sampled_from([(3,), (1, 3, 3), (1, 1, 3, 3)]))
            Xr = to_mx(draw(values(shape, dtype)), interface, ctx)
            return Case(lambda: make()(Xr), ("输入 X", str(shape)), what=what)
        if kind == "uninit":
            return Case(lambda: make(initialize=False)(X), ("还没有初始化", "weight"), what=what)
        if kind == "device":
            other = mx.cpu(1) if ctx == mx.cpu(0) else mx.cpu(0)
            return Case(lambda: make(init_ctx=other)(X), (str(ctx), str(other)), what=what)
        if kind == "dtype_mismatch":
            other = draw(st.sampled_from([d for d in ok_dtypes(cls_name) if d != dtype]))
            return Case(lambda: make(net_dtype=other)(X), (dtype, other, "weight"), what=what + f" net {other}")
        if kind == "dtype_refused":
            bad = draw(st.sampled_from(refused_dtypes(cls_name)))
            Xb = to_mx(draw(values(x.shape, bad)), interface, ctx)
            return Case(lambda: make()(Xb), ("输入 X", bad), what=what + f" {bad}")
        Xs = to_mx(draw(values((k[0], max(k[1] - 1, 1)) if k[1] > 1 else (max(k[0] - 1, 1), 1), dtype)), interface, ctx)
        if Xs.shape[0] >= k[0] and Xs.shape[1] >= k[1]:  # 1x1 卷积核：任何输入都放得下
            return Case(call, None, check, what=what + " (1x1 fits)")  # 其实是合法的输入：结果照样对照参考实现
        return Case(lambda: make()(Xs), ("不能大于", str(k)), what=what + f" X{Xs.shape}")
    return strat()


# ---------- 设备 ----------

@st.composite
def gpu_index_cases(draw, fn_name):
    fn = getattr(d2lutils, fn_name)
    if draw(st.booleans()):
        i = draw(st.one_of(st.integers(0, 10**20), st.sampled_from([onp.int64(0), onp.int32(3)])))
        expect = (lambda r: r is False) if fn_name == "gpu_works" else (lambda r: r == mx.cpu())

        def check(r):
            assert expect(r), r
        return Case(lambda: fn(i), None, check, f"{fn_name}({i!r})")
    v = draw(st.one_of(st.integers(max_value=-1), st.sampled_from([1.5, 0.0, None, "0", True, False, [0], mx.gpu(0)])))
    return Case(lambda: fn(v), ("GPU 编号 i", repr(v)), what=f"{fn_name}({v!r})")


def no_argument_cases(fn_name: str, check):
    def call():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = getattr(d2lutils, fn_name)()
        return result, out.getvalue()
    return st.just(Case(call, None, check, fn_name))


def check_cpu_list(result):
    value, printed = result
    assert value == [mx.cpu()], value


def check_describe(result):
    value, printed = result
    assert value == [mx.cpu()] and "CPU" in printed and any("\u4e00" <= ch <= "\u9fff" for ch in printed)


def check_font(result):
    value, printed = result
    assert value is None or isinstance(value, str)
    assert printed == ""


# ---------- 学习卷积核 ----------

@st.composite
def edge_data_cases(draw):
    if draw(st.booleans()):
        ctx = draw(st.sampled_from([None, mx.cpu(0), mx.cpu(1)]))

        def check(result):
            X, Y = result
            assert X.context == Y.context == (ctx or mx.cpu())
            x = onp.ones((6, 8))
            x[:, 2:6] = 0
            assert (X.asnumpy() == x).all()
            assert (Y.asnumpy() == corr2d_ref(x, [[1, -1]])).all()
        return Case(lambda: d2lutils.edge_data(ctx), None, check, f"edge_data({ctx})")
    v = draw(st.sampled_from(["cpu", 0, 1.5, [mx.cpu()], mx.cpu]))
    return Case(lambda: d2lutils.edge_data(v), ("ctx", repr(v)), what=f"edge_data({v!r})")


EDGE = d2lutils.edge_data()  # 用循环版 corr2d 算出，较慢：只算一次（learn_kernel 不修改它们）


@st.composite
def learn_kernel_cases(draw):
    kind = draw(st.sampled_from(["valid", "valid", "valid", "net", "X", "num_steps", "lr", "trainer", "devices",
                                 "param_device", "uninit", "shape"]))
    steps = draw(st.integers(1, 3))
    lr = draw(st.one_of(st.floats(0, 0.05), st.sampled_from([5e-324, 2.2250738585e-313, 1e-300])))
    use_trainer = draw(st.booleans())
    seed = draw(st.integers(0, 1000))
    what = f"learn_kernel {kind} steps={steps} lr={lr} trainer={use_trainer}"

    def setup(init_ctx=mx.cpu(), initialize=True):
        mx.random.seed(seed)
        net = d2lutils.Conv2D((1, 2))
        if initialize:
            net.initialize(ctx=init_ctx)
        trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr}) if use_trainer and initialize \
            else None
        return net, EDGE[0], EDGE[1], trainer

    if kind == "valid":
        def call():
            net, X, Y, trainer = setup()
            W0 = net.weight.data().asnumpy().astype(onp.float64)
            losses = d2lutils.learn_kernel(net, X, Y, num_steps=steps, lr=lr, trainer=trainer, verbose=False)
            return losses, W0, X.asnumpy(), Y.asnumpy()

        def check(result):
            losses, W0, x, y = result
            assert len(losses) == steps and all(isinstance(v, float) for v in losses)
            first = ((corr2d_ref(x, W0) - y) ** 2).sum()  # 偏置初始为 0
            assert abs(losses[0] - first) <= 1e-4 * max(1.0, first), (losses[0], first)
        return Case(call, None, check, what)
    X0, Y0 = EDGE
    if kind == "net":
        v = draw(st.sampled_from([None, "net", lambda X: X, nd.ones((1, 2))]))
        return Case(lambda: d2lutils.learn_kernel(v, X0, Y0, verbose=False), ("net", type_name(v)), what=what)
    if kind == "X":
        v = draw(st.sampled_from([None, [[1, 2]], onp.ones((6, 8)), "X"]))
        return Case(lambda: d2lutils.learn_kernel(setup()[0], v, Y0, verbose=False), ("输入 X", type_name(v)),
                    what=what)
    if kind == "num_steps":
        v = draw(st.sampled_from([0, -1, 1.5, None, "3", True]))
        return Case(lambda: d2lutils.learn_kernel(*setup()[:3], num_steps=v, verbose=False), ("num_steps", repr(v)),
                    what=what)
    if kind == "lr":
        v = draw(st.sampled_from([math.nan, math.inf, -math.inf, None, "0.1", [0.1]]))
        return Case(lambda: d2lutils.learn_kernel(*setup()[:3], lr=v, verbose=False), ("学习率 lr", repr(v)), what=what)
    if kind == "trainer":
        v = draw(st.sampled_from(["sgd", 1, object()]))
        return Case(lambda: d2lutils.learn_kernel(*setup()[:3], trainer=v, verbose=False), ("trainer", type_name(v)),
                    what=what)
    if kind == "devices":
        def call():
            net, X, Y, _ = setup()
            return d2lutils.learn_kernel(net, X, Y.as_in_context(mx.cpu(1)), verbose=False)
        return Case(call, ("cpu(0)", "cpu(1)"), what=what)
    if kind == "param_device":
        return Case(lambda: d2lutils.learn_kernel(*setup(init_ctx=mx.cpu(1))[:3], verbose=False), ("cpu(0)", "cpu(1)"),
                    what=what)
    if kind == "uninit":
        return Case(lambda: d2lutils.learn_kernel(*setup(initialize=False)[:3], verbose=False), ("还没有初始化",),
                    what=what)

    def call():
        net, X, Y, _ = setup()
        return d2lutils.learn_kernel(net, X, Y[:, :3], verbose=False)
    return Case(call, ("(6, 7)", "(6, 3)"), what=what)


# ---------- 画图（plt.show 由测试替换，图在 check 中核对） ----------

SHOWN: list = []  # 测试把 plt.show 换成把当前的图放进这里


def last_figure():
    assert SHOWN, "没有画出图"
    return SHOWN[-1]


@st.composite
def heatmap_cases(draw):
    kind = draw(st.sampled_from(["valid", "valid", "valid", "rank", "empty", "titles", "arrays", "cmap", "cell_size",
                                 "huge", "dtype"]))
    n = draw(st.integers(1, 3))
    shapes = [(draw(st.integers(1, 4)), draw(st.integers(1, 4))) for _ in range(n)]
    dtypes = [draw(st.sampled_from(ALL_DTYPES)) for _ in range(n)]
    mats = [draw(values(s, d)) for s, d in zip(shapes, dtypes)]
    kinds = [draw(st.sampled_from(["numpy", "nd", "np"])) for _ in range(n)]
    arrays = [m if kd == "numpy" else to_mx(m, kd) for m, kd in zip(mats, kinds)]
    titles = [f"图{i}" for i in range(n)]
    annotate = draw(st.booleans())
    f = d2lutils.show_heatmaps
    what = f"show_heatmaps {kind} {shapes} {dtypes} {kinds}"
    if kind == "valid":
        def check(_):
            fig = last_figure()
            images = [ax.get_images()[0].get_array() for ax in fig.axes]
            assert len(images) == n
            for img, m in zip(images, mats):
                onp.testing.assert_array_equal(onp.ma.getdata(img), m.astype(onp.float64))
            assert [ax.get_title() for ax in fig.axes] == titles
        return Case(lambda: f(arrays, titles, annotate=annotate), None, check, what)
    if kind == "rank":
        shape = draw(st.sampled_from([(3,), (2, 2, 2), (1,)]))
        bad = to_mx(draw(values(shape)), draw(st.sampled_from(["nd", "np"])))
        j = draw(st.integers(0, n))
        arrs = arrays[:j] + [bad] + arrays[j:]
        return Case(lambda: f(arrs, titles + ["x"]), (f"arrays[{j}]", str(shape)), what=what + f" {shape}")
    if kind == "empty":
        shape = draw(st.sampled_from([(0, 3), (2, 0), ()]))
        return Case(lambda: f([onp.zeros(shape)], ["x"]), ("arrays[0]", str(shape)), what=what)
    if kind == "titles":
        v = draw(st.sampled_from([titles[:-1], titles + ["多"], None, "标题", [1] * n]))
        return Case(lambda: f(arrays, v), ("titles",), what=what + f" titles={v!r}")
    if kind == "arrays":
        v = draw(st.sampled_from([None, [], "X", 3, [None], [[[1, 2]]]]))
        return Case(lambda: f(v, ["x"]), ("arrays",), what=what + f" arrays={v!r}")
    if kind == "cmap":
        v = draw(st.sampled_from(["no-such-map", "", None, 3]))
        return Case(lambda: f(arrays, titles, cmap=v), ("cmap", repr(v)), what=what)
    if kind == "cell_size":
        v = draw(st.sampled_from([0, -1, math.nan, math.inf, None, "1"]))
        return Case(lambda: f(arrays, titles, cell_size=v), ("cell_size", repr(v)), what=what)
    if kind == "huge":
        v = draw(st.floats(1e4, 1e7))
        return Case(lambda: f(arrays, titles, cell_size=v), ("英寸",), what=what + f" cell_size={v}")
    v = onp.array([["a", "b"]], dtype=object) if draw(st.booleans()) else onp.ones((2, 2), dtype=complex)
    return Case(lambda: f([v], ["x"]), ("arrays[0]", str(v.dtype)), what=what)


@st.composite
def plot_cases(draw):
    kind = draw(st.sampled_from(["valid", "valid", "valid", "X", "Y", "lengths", "curves", "scale", "legend", "figsize",
                                 "huge", "fmts", "values"]))
    n = draw(st.integers(1, 3))
    m = draw(st.integers(0, 6))
    xs = list(range(m))
    ys = [list(draw(values((m,), "float64"))) for _ in range(n)]
    Y = ys if n > 1 else ys[0]
    f = d2lutils.plot
    what = f"plot {kind} n={n} m={m}"
    if kind == "valid":
        legend = [f"曲线{i}" for i in range(n)] if draw(st.booleans()) else None
        scale = draw(st.sampled_from(["linear", "log", "symlog"]))

        def check(_):
            lines = last_figure().axes[0].get_lines()
            assert len(lines) == n
            for line, y in zip(lines, ys):
                onp.testing.assert_array_equal(line.get_xdata(), xs)
                onp.testing.assert_array_equal(line.get_ydata(), y)
        return Case(lambda: f(xs, Y, xlabel="迭代周期", legend=legend, yscale=scale), None, check, what)
    if kind == "X":
        v = draw(st.sampled_from([None, "abc", 3, 1.5]))
        return Case(lambda: f(v, Y), ("X",), what=what + f" X={v!r}")
    if kind == "Y":
        v = draw(st.sampled_from([None, "abc", 3]))
        return Case(lambda: f(xs, v), ("Y",), what=what + f" Y={v!r}")
    if kind == "lengths":
        return Case(lambda: f(xs + [99], Y), ("形状",), what=what)
    if kind == "curves":
        return Case(lambda: f([xs, xs, xs, xs], [[0.0] * m] * 2), ("4 条", "2 条"), what=what)
    if kind == "scale":
        v = draw(st.sampled_from(["bogus", None, "LOG", 1]))
        return Case(lambda: f(xs, Y, xscale=v), ("xscale", repr(v)), what=what)
    if kind == "legend":
        v = draw(st.sampled_from(["一条", ["a"] * (n + 1), []]))
        return Case(lambda: f(xs, Y, legend=v), ("legend",), what=what + f" legend={v!r}")
    if kind == "figsize":
        v = draw(st.sampled_from([(0, 3), (-1, 2), (math.nan, 3), 5, None, (1, 2, 3), ("4", 3)]))
        return Case(lambda: f(xs, Y, figsize=v), ("图" if isinstance(v, tuple) and len(v) == 2 else "figsize",),
                    what=what + f" figsize={v!r}")
    if kind == "huge":
        v = draw(st.floats(1e4, 1e7))
        return Case(lambda: f(xs, Y, figsize=(v, v)), ("英寸",), what=what + f" figsize={v}")
    if kind == "fmts":
        v = draw(st.sampled_from([[], ["zz"], "-", [1], None]))
        return Case(lambda: f(xs, Y, fmts=v), ("fmts",), what=what + f" fmts={v!r}")
    return Case(lambda: f([["a", "b"]], [[1, 2]]), ("第 1 条曲线",), what=what)


@st.composite
def show_im2col_cases(draw):
    kind = draw(st.sampled_from(["valid", "valid", "valid", "X", "rank", "kernel", "window", "highlight", "cell_size",
                                 "huge"]))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))  # 展开矩阵的每格都标数字：小一点，画得快
    k = (draw(st.integers(1, h)), draw(st.integers(1, w)))
    n_cols = (h - k[0] + 1) * (w - k[1] + 1)
    highlight = draw(st.lists(st.integers(0, n_cols - 1), max_size=3))
    x = draw(values((h, w)))
    X = to_mx(x, draw(st.sampled_from(["nd", "np"])))
    f = d2lutils.show_im2col
    what = f"show_im2col {kind} X{x.shape} k={k} highlight={highlight}"
    if kind == "valid":
        def check(_):
            fig = last_figure()
            shown = [onp.ma.getdata(ax.get_images()[0].get_array()) for ax in fig.axes]
            onp.testing.assert_array_equal(shown[0], x)
            onp.testing.assert_array_equal(shown[1], im2col_ref(x[None], k))
        return Case(lambda: f(X, k, highlight), None, check, what)
    if kind == "X":
        v = draw(not_arrays(x))
        return Case(lambda: f(v, k), ("输入 X", type_name(v)), what=what)
    if kind == "rank":
        Xr = nd.ones((1, h, w))
        return Case(lambda: f(Xr, k), ("输入 X", str((1, h, w))), what=what)
    if kind == "kernel":
        v = draw(sizes)
        return Case(lambda: f(X, v), ("kernel_size", repr(v)), what=what)
    if kind == "window":
        return Case(lambda: f(X, (h + 1, 1)), ("不能大于", str((h + 1, 1))), what=what)
    if kind == "highlight":
        v = draw(st.sampled_from([[n_cols], [-1], [0.5], "0", 3, [n_cols + 10]]))
        return Case(lambda: f(X, k, v), ("highlight",), what=what + f" highlight={v!r}")
    if kind == "cell_size":
        v = draw(st.sampled_from([0, -1, math.nan, None, "1"]))
        return Case(lambda: f(X, k, cell_size=v), ("cell_size", repr(v)), what=what)
    v = draw(st.floats(1e4, 1e7))
    return Case(lambda: f(X, k, cell_size=v), ("英寸",), what=what)


@st.composite
def placement_cases(draw):
    kind = draw(st.sampled_from(["valid", "valid", "valid", "items", "empty", "value", "uninit", "width", "huge"]))
    n = draw(st.integers(1, 4))
    items, where = {}, {}
    for i in range(n):
        what = draw(st.sampled_from(["nd", "np", "param", "ctx", "ctx_list"]))
        ctxs = draw(st.sampled_from([[mx.cpu(0)], [mx.cpu(1)], [mx.cpu(0), mx.cpu(1)]]))
        if what in ("nd", "np"):
            ctxs = ctxs[:1]
            obj = to_mx(onp.ones((2, 2)), what, ctxs[0])
        elif what == "param":
            obj = gluon.Parameter(f"w{i}", shape=(2,))
            obj.initialize(ctx=ctxs)
        else:
            obj = ctxs[0] if what == "ctx" else ctxs
            ctxs = ctxs[:1] if what == "ctx" else ctxs
        items[f"名字{i}"] = obj
        for c in ctxs:
            where.setdefault(c, []).append(f"名字{i}")
    f = d2lutils.show_placement
    what = f"show_placement {kind} {where}"
    if kind == "valid":
        def check(_):
            texts = [t.get_text() for t in last_figure().axes[0].texts]
            expected = []
            for c, names in where.items():  # 设备按第一次出现的顺序，每个设备下列出放在那里的名字
                expected += [f"{c}（CPU 内存）"] + names
            assert texts == expected, (texts, expected)
        return Case(lambda: f(items, title="放置"), None, check, what)
    if kind == "items":
        v = draw(st.sampled_from([list(items.values()), "x", 3, [("a", mx.cpu())]]))
        return Case(lambda: f(v), ("items", type_name(v)), what=what)
    if kind == "empty":
        v = draw(st.sampled_from([{}, None]))
        return Case(lambda: f(v), ("items",), what=what)
    if kind == "value":
        v = draw(st.sampled_from([3, "cpu", onp.ones(2), [], [mx.cpu(), 1], None]))
        return Case(lambda: f(dict(items, 坏的=v)), ("坏的", type_name(v)), what=what)
    if kind == "uninit":
        return Case(lambda: f({"w": gluon.Parameter("w", shape=(2,))}), ("参数 w", "初始化"), what=what)
    if kind == "width":
        v = draw(st.sampled_from([0, -1.0, math.nan, math.inf, None, "2"]))
        return Case(lambda: f(items, width=v), ("width", repr(v)), what=what)
    v = draw(st.floats(1e4, 1e7))
    return Case(lambda: f(items, width=v), ("英寸",), what=what + f" width={v}")


@st.composite
def plot_history_cases(draw):
    m = draw(st.integers(0, 5))
    hist = {k: [float(v) for v in draw(values((m,), "float64"))] for k in ("loss", "train_acc", "test_acc")}
    kind = draw(st.sampled_from(["valid", "valid", "missing", "type", "lengths", "values"]))
    f = d2lutils.plot_history
    if kind == "valid":
        def check(_):
            lines = last_figure().axes[0].get_lines()
            assert len(lines) == 3
            for line, key in zip(lines, ("loss", "train_acc", "test_acc")):
                onp.testing.assert_array_equal(line.get_ydata(), hist[key])
        return Case(lambda: f(hist), None, check, f"plot_history valid m={m}")
    if kind == "missing":
        key = draw(st.sampled_from(sorted(hist)))
        h2 = {k: v for k, v in hist.items() if k != key}
        return Case(lambda: f(h2), ("history",), what=f"plot_history without {key}")
    if kind == "type":
        v = draw(st.sampled_from([None, [], "loss", 3]))
        return Case(lambda: f(v), ("history",), what=f"plot_history({v!r})")
    if kind == "lengths":
        h2 = dict(hist, loss=hist["loss"] + [1.0])
        return Case(lambda: f(h2), ("history", "长度"), what="plot_history lengths")
    h2 = dict(hist, test_acc=3)
    return Case(lambda: f(h2), ("history",), what="plot_history values")


# ---------- 第 09、10 课：数据与训练 ----------

@st.composite
def load_digits_cases(draw):
    kind = draw(st.sampled_from(["valid", "fraction", "seed", "dtype"]))
    frac = draw(st.floats(0.1, 0.5))
    seed = draw(st.integers(0, 2**32 - 1))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    f = d2lutils.load_digits_split
    if kind == "valid":
        def check(d):
            assert isinstance(d, d2lutils.DigitsSplit)
            n_test = math.ceil(1797 * frac)
            assert d.X_test.shape == (n_test, 1, 8, 8) and d.X_train.shape == (1797 - n_test, 1, 8, 8)
            assert d.y_train.shape == (1797 - n_test,) and d.X_train.dtype == dtype
            assert 0 <= d.X_train.min() and d.X_train.max() <= 1
            assert set(onp.unique(d.y_test)) == set(range(10))  # 分层：每类都在测试集里
        return Case(lambda: f(frac, seed, dtype), None, check, f"load_digits_split({frac}, {seed}, {dtype})")
    if kind == "fraction":
        v = draw(st.sampled_from([0, 1, -0.5, 1.5, math.nan, math.inf, "0.25", None, 0.001, 0.999]))
        return Case(lambda: f(v), ("test_fraction", repr(v)), what=f"test_fraction={v!r}")
    if kind == "seed":
        v = draw(st.sampled_from([-1, 1.5, "0", None, 2**40]))
        return Case(lambda: f(0.25, v), ("seed", repr(v)), what=f"seed={v!r}")
    v = draw(st.sampled_from(["float16", "int", None, 32, "FLOAT32"]))
    return Case(lambda: f(0.25, 0, v), ("dtype", repr(v)), what=f"dtype={v!r}")


@st.composite
def load_mnist_cases(draw):
    kind = draw(st.sampled_from(["valid", "valid", "sizes", "seed", "dtype"]))
    n_train, n_test = draw(st.integers(1, 300)), draw(st.integers(1, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    f = d2lutils.load_mnist_sample
    if kind == "valid":
        def check(d):
            assert isinstance(d, d2lutils.DigitsSplit)
            assert d.X_train.shape == (n_train, 1, 28, 28) and d.X_test.shape == (n_test, 1, 28, 28)
            assert d.y_train.shape == (n_train,) and d.y_test.dtype == onp.int64 and d.X_test.dtype == dtype
            assert 0 <= d.X_train.min() and d.X_train.max() <= 1 and set(onp.unique(d.y_train)) <= set(range(10))
            # 同一个种子：测试集是打乱后的前 num_test 张，与 num_train 无关
            again = f(1, n_test, seed, dtype)
            assert onp.array_equal(again.X_test, d.X_test) and onp.array_equal(again.y_test, d.y_test)
        return Case(lambda: f(n_train, n_test, seed, dtype), None, check,
                    f"load_mnist_sample({n_train}, {n_test}, {seed}, {dtype})")
    if kind == "sizes":
        name, v = draw(st.sampled_from([("num_train", 0), ("num_train", 9001), ("num_test", -1), ("num_test", 1.5),
                                         ("num_test", "10"), ("num_train", None), ("num_test", True)]))
        args = {"num_train": 1000, "num_test": 1000, name: v}
        words = ("10000", repr(v)) if v == 9001 else (name, repr(v))
        return Case(lambda: f(**args), words, what=f"{name}={v!r}")
    if kind == "seed":
        v = draw(st.sampled_from([-1, 1.5, "0", None, 2**40]))
        return Case(lambda: f(10, 10, v), ("seed", repr(v)), what=f"seed={v!r}")
    v = draw(st.sampled_from(["float16", "uint8", None, 32, "FLOAT32"]))
    return Case(lambda: f(10, 10, 0, v), ("dtype", repr(v)), what=f"dtype={v!r}")


BATCH_DTYPES = ("float16", "float32", "float64", "int8", "int32", "int64", "uint8")


@st.composite
def iter_batches_cases(draw):
    kind = draw(st.sampled_from(["valid", "valid", "X", "y", "lengths", "batch_size", "rng", "ctx", "dtype"]))
    n = draw(st.integers(0, 7))
    dtype = draw(st.sampled_from(BATCH_DTYPES))
    x = draw(values((n, 2), dtype, special=False))
    y = onp.arange(n) % 3
    bs = draw(st.integers(1, 8))
    seed = draw(st.one_of(st.none(), st.integers(0, 100)))
    ctx = draw(st.sampled_from([None, mx.cpu(0), mx.cpu(1)]))
    f = d2lutils.iter_batches
    what = f"iter_batches {kind} n={n} {dtype} bs={bs} seed={seed} ctx={ctx}"
    rng = lambda: None if seed is None else onp.random.default_rng(seed)  # noqa: E731
    if kind == "valid":
        def check(batches):
            batches = list(batches)
            order = onp.arange(n) if seed is None else onp.random.default_rng(seed).permutation(n)
            assert len(batches) == math.ceil(n / bs)
            if n:
                got_x = onp.concatenate([b[0].asnumpy() for b in batches])
                got_y = onp.concatenate([b[1].asnumpy() for b in batches])
                onp.testing.assert_array_equal(got_x, x[order])
                onp.testing.assert_array_equal(got_y, y[order])
            for Xb, yb in batches:
                assert Xb.dtype == x.dtype and yb.dtype == onp.float32 and Xb.context == yb.context == (ctx or mx.cpu())
        return Case(lambda: f(x, y, bs, rng(), ctx), None, check, what)
    if kind == "X":
        v = draw(st.sampled_from([None, x.tolist(), "X", nd.array(x) if n else 3, onp.float64(1.0)]))
        return Case(lambda: f(v, y, bs), ("X",), what=what + f" X={type_name(v)}")
    if kind == "y":
        v = draw(st.sampled_from([None, y.tolist(), y.reshape(-1, 1), onp.array(1.0)]))
        return Case(lambda: f(x, v, bs), ("y",), what=what + f" y={v!r:.40}")
    if kind == "lengths":
        return Case(lambda: f(x, onp.arange(n + 1), bs), (f"{n} 个样本", f"{n + 1} 个标签"), what=what)
    if kind == "batch_size":
        v = draw(st.sampled_from([0, -1, 1.5, None, "8", True]))
        return Case(lambda: f(x, y, v), ("batch_size", repr(v)), what=what)
    if kind == "rng":
        v = draw(st.sampled_from([0, "seed", onp.random.RandomState(0)]))
        return Case(lambda: f(x, y, bs, v), ("rng", type_name(v)), what=what)
    if kind == "ctx":
        v = draw(st.sampled_from(["cpu", 0, [mx.cpu()]]))
        return Case(lambda: f(x, y, bs, None, v), ("ctx", repr(v)), what=what)
    v = draw(st.sampled_from([onp.array([["a"]] * n, dtype=object).reshape(n, 1), onp.ones((n, 2), dtype=bool),
                              onp.ones((n, 2), dtype=complex)]))
    return Case(lambda: f(v, y, bs), ("X", str(v.dtype)), what=what + f" {v.dtype}")


@st.composite
def accuracy_cases(draw):
    kind = draw(st.sampled_from(["valid", "valid", "type", "shape", "device", "empty_classes"]))
    n, c = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    dtype = draw(st.sampled_from(["float16", "float32", "float64", "int32", "int64"]))
    rng = onp.random.default_rng(draw(st.integers(0, 1000)))
    scores = onp.stack([rng.permutation(c) for _ in range(n)]).astype(dtype)  # 每行最大值唯一
    labels = rng.integers(0, c, size=n)
    label_dtype = draw(st.sampled_from(["float32", "int32", "int64"]))
    y_hat, y = nd.array(scores, dtype=dtype), nd.array(labels, dtype=label_dtype)
    f = d2lutils.accuracy
    what = f"accuracy {kind} {scores.shape} {dtype} labels {label_dtype}"
    if kind == "valid":
        expected = int((scores.argmax(axis=1) == labels).sum())

        def check(r):
            assert isinstance(r, int) and r == expected, (r, expected)
        return Case(lambda: f(y_hat, y), None, check, what)
    if kind == "type":
        v = draw(st.sampled_from([None, scores, scores.tolist(), "y"]))
        which = draw(st.booleans())
        return Case(lambda: f(v, y) if which else f(y_hat, v), ("y_hat" if which else "标签 y", type_name(v)),
                    what=what)
    if kind == "shape":
        which = draw(st.sampled_from(["1d", "labels"]))
        if which == "1d":
            return Case(lambda: f(nd.array(labels), y), (str((n,)),), what=what)
        return Case(lambda: f(y_hat, nd.array(onp.append(labels, 0))), (str((n + 1,)),), what=what)
    if kind == "device":
        return Case(lambda: f(y_hat, y.as_in_context(mx.cpu(1))), ("cpu(1)",), what=what)
    return Case(lambda: f(mnp.zeros((n, 0)), mnp.zeros((n,))), (str((n, 0)),), what=what, np_shape=True)


def tiny_net(seed: int, ctxs=(mx.cpu(0),), classes: int = 3, in_units: int = 4):
    mx.random.seed(seed)
    net = nn.Dense(classes, in_units=in_units)
    net.initialize(mx.init.Normal(0.5), ctx=list(ctxs))
    return net


def dense_forward(net, x):
    W = net.weight.data(net.weight.list_ctx()[0]).asnumpy().astype(onp.float64)
    b = net.bias.data(net.bias.list_ctx()[0]).asnumpy().astype(onp.float64)
    return x.reshape(len(x), -1).astype(onp.float64) @ W.T + b


@st.composite
def evaluate_accuracy_cases(draw):
    kind = draw(st.sampled_from(["valid", "valid", "net", "empty", "ctx", "batch_size", "X"]))
    n = draw(st.integers(1, 6))
    rng = onp.random.default_rng(draw(st.integers(0, 1000)))
    x = rng.standard_normal((n, 4)).astype("float32")
    y = rng.integers(0, 3, size=n)
    seed = draw(st.integers(0, 100))
    bs = draw(st.integers(1, 8))
    f = d2lutils.evaluate_accuracy
    what = f"evaluate_accuracy {kind} n={n} bs={bs}"
    if kind == "valid":
        def call():
            net = tiny_net(seed)
            return f(net, x, y, mx.cpu(), bs), (dense_forward(net, x).argmax(axis=1) == y).mean()

        def check(r):
            got, expected = r
            assert got == expected
        return Case(call, None, check, what)
    if kind == "net":
        v = draw(st.sampled_from([None, "net", lambda X: X]))
        return Case(lambda: f(v, x, y, mx.cpu()), ("net", type_name(v)), what=what)
    if kind == "empty":
        return Case(lambda: f(tiny_net(seed), x[:0], y[:0], mx.cpu()), ("空", str((0, 4))), what=what)
    if kind == "ctx":
        v = draw(st.sampled_from(["cpu", None, 0, [mx.cpu()]]))
        return Case(lambda: f(tiny_net(seed), x, y, v), ("ctx", repr(v)), what=what)
    if kind == "batch_size":
        v = draw(st.sampled_from([0, -2, 2.5, None]))
        return Case(lambda: f(tiny_net(seed), x, y, mx.cpu(), v), ("batch_size", repr(v)), what=what)
    v = draw(st.sampled_from([x.tolist(), None, nd.array(x)]))
    return Case(lambda: f(tiny_net(seed), v, y, mx.cpu()), ("X", type_name(v)), what=what)


def softmax_ce_sum(z, y):
    z = z - z.max(axis=1, keepdims=True)
    logp = z - onp.log(onp.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[onp.arange(len(y)), y].sum())


@st.composite
def train_step_cases(draw):
    kind = draw(st.sampled_from(["valid", "valid", "valid", "net", "loss_fn", "trainer", "X", "shape", "empty", "ctx"]))
    n = draw(st.integers(1, 5))
    rng = onp.random.default_rng(draw(st.integers(0, 1000)))
    x = rng.standard_normal((n, 4))
    y = rng.integers(0, 3, size=n)
    seed = draw(st.integers(0, 100))
    ctxs = draw(st.sampled_from([[mx.cpu(0)], [mx.cpu(0), mx.cpu(1)], [mx.cpu(1)]]))
    f = d2lutils.train_step
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    what = f"train_step {kind} n={n} ctxs={ctxs}"

    def parts():
        net = tiny_net(seed, ctxs)
        return net, gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})

    X, Y = nd.array(x), nd.array(y)
    if kind == "valid":
        def call():
            net, trainer = parts()
            z = dense_forward(net, x.astype("float32"))
            return f(net, loss, trainer, X, Y, ctxs if len(ctxs) > 1 else ctxs[0]), z

        def check(r):
            (loss_sum, correct), z = r
            assert abs(loss_sum - softmax_ce_sum(z, y)) <= 1e-4 * max(1, abs(loss_sum))
            assert correct == int((z.argmax(axis=1) == y).sum())
        return Case(call, None, check, what)
    if kind == "net":
        v = draw(st.sampled_from([None, "net"]))
        return Case(lambda: f(v, loss, parts()[1], X, Y, ctxs), ("net", type_name(v)), what=what)
    if kind == "loss_fn":
        v = draw(st.sampled_from([None, "ce", lambda a, b: a]))
        return Case(lambda: f(*parts()[:1], v, parts()[1], X, Y, ctxs), ("loss_fn", repr(v) if v is None else type_name(v)),
                    what=what)
    if kind == "trainer":
        v = draw(st.sampled_from([None, "sgd"]))
        return Case(lambda: f(parts()[0], loss, v, X, Y, ctxs), ("trainer", type_name(v)), what=what)
    if kind == "X":
        v = draw(st.sampled_from([x, x.tolist(), None]))
        return Case(lambda: f(*parts()[:1], loss, parts()[1], v, Y, ctxs), ("输入 X", type_name(v)), what=what)
    if kind == "shape":
        Y2 = nd.array(onp.append(y, 1))
        return Case(lambda: f(*parts()[:1], loss, parts()[1], X, Y2, ctxs), (str((n, 4)), str((n + 1,))), what=what)
    if kind == "empty":
        return Case(lambda: f(*parts()[:1], loss, parts()[1], mnp.zeros((0, 4)), mnp.zeros((0,)), ctxs), ("(0, 4)",),
                    what=what, np_shape=True)
    v = draw(st.sampled_from(["cpu", [], None, [mx.cpu(), 0]]))
    return Case(lambda: f(*parts()[:1], loss, parts()[1], X, Y, v), ("ctx", repr(v)), what=what)


def tiny_digits(draw, n_train=None, n_test=None):
    rng = onp.random.default_rng(draw(st.integers(0, 1000)))
    n_train = n_train if n_train is not None else draw(st.integers(1, 6))
    n_test = n_test if n_test is not None else draw(st.integers(1, 4))
    return d2lutils.DigitsSplit(rng.random((n_train, 1, 8, 8)).astype("float32"), rng.integers(0, 10, n_train),
                                rng.random((n_test, 1, 8, 8)).astype("float32"), rng.integers(0, 10, n_test))


@st.composite
def train_cases(draw, data_only=False):
    kinds = ["valid"] + ["data_fields"] * 9 if data_only else \
        ["valid", "valid", "net", "data", "num_epochs", "batch_size", "seed", "trainer", "ctx", "loss_fn", "data_fields"]
    kind = draw(st.sampled_from(kinds))
    data = tiny_digits(draw)
    epochs, bs, seed = draw(st.integers(1, 2)), draw(st.integers(1, 8)), draw(st.integers(0, 100))
    show = draw(st.integers(0, 4)) == 0
    f = d2lutils.train
    what = f"train {kind} n={len(data.y_train)}/{len(data.y_test)} epochs={epochs} bs={bs} plot={show}"

    def parts(ctxs=(mx.cpu(0),)):
        net = tiny_net(seed, ctxs, classes=10, in_units=64)
        return net, gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})

    def run(data=data, **kw):
        net, trainer = parts()
        args = dict(net=net, data=data, num_epochs=epochs, batch_size=bs, trainer=trainer, ctx=mx.cpu(),
                    seed=seed, show_plot=show, verbose=False)
        args.update(kw)
        return f(**args), net

    if kind == "valid":
        def check(r):
            history, net = r
            assert [len(history[k]) for k in ("loss", "train_acc", "test_acc")] == [epochs] * 3
            assert all(math.isfinite(v) and v >= 0 for v in history["loss"])
            expected = (dense_forward(net, data.X_test).argmax(axis=1) == data.y_test).mean()
            assert abs(history["test_acc"][-1] - expected) < 1e-9
        return Case(run, None, check, what)
    if kind == "net":
        v = draw(st.sampled_from([None, "lenet"]))
        return Case(lambda: run(net=v), ("net", type_name(v)), what=what)
    if kind == "data":
        v = draw(st.sampled_from([None, tuple(data), {"X_train": data.X_train}, "digits"]))
        return Case(lambda: run(data=v), ("data", type_name(v)), what=what)
    if kind == "num_epochs":
        v = draw(st.sampled_from([0, -1, 1.5, None, "2"]))
        return Case(lambda: run(num_epochs=v), ("num_epochs", repr(v)), what=what)
    if kind == "batch_size":
        v = draw(st.sampled_from([0, -1, 2.5, None]))
        return Case(lambda: run(batch_size=v), ("batch_size", repr(v)), what=what)
    if kind == "seed":
        v = draw(st.sampled_from([-1, 1.5, "0", None]))
        return Case(lambda: run(seed=v), ("seed", repr(v)), what=what)
    if kind == "trainer":
        v = draw(st.sampled_from([None, "sgd"]))
        return Case(lambda: run(trainer=v), ("trainer", type_name(v)), what=what)
    if kind == "ctx":
        v = draw(st.sampled_from(["cpu", [], 0]))
        return Case(lambda: run(ctx=v), ("ctx", repr(v)), what=what)
    if kind == "loss_fn":
        v = draw(st.sampled_from(["ce", 1]))
        return Case(lambda: run(loss_fn=v), ("loss_fn", type_name(v)), what=what)
    # DigitsSplit 的字段本身有问题
    which = draw(st.sampled_from(["lengths", "list", "y2d", "empty_train", "empty_test", "object"]))
    if which == "lengths":
        bad = data._replace(y_train=onp.append(data.y_train, 1))
        return Case(lambda: run(data=bad), (f"{len(data.y_train)} 个样本", f"{len(data.y_train) + 1} 个标签"),
                    what=what + " lengths")
    if which == "list":
        bad = data._replace(X_train=data.X_train.tolist())
        return Case(lambda: run(data=bad), ("X", "list"), what=what + " list")
    if which == "y2d":
        bad = data._replace(y_test=data.y_test.reshape(-1, 1))
        return Case(lambda: run(data=bad), ("y", str(bad.y_test.shape)), what=what + " y2d")
    if which in ("empty_train", "empty_test"):
        bad = tiny_digits(draw, **({"n_train": 0} if which == "empty_train" else {"n_test": 0}))
        return Case(lambda: run(data=bad), ("空",), what=what + " " + which)
    bad = data._replace(X_test=data.X_test.astype(object))
    return Case(lambda: run(data=bad), ("X", "object"), what=what + " object")


@st.composite
def lenet_cases(draw):
    act, pool = draw(st.sampled_from(["relu", "sigmoid", "tanh"])), draw(st.sampled_from(["max", "avg"]))
    which = draw(st.sampled_from(["valid", "num_classes", "activation", "pool"]))
    if which == "activation":
        v = draw(st.sampled_from(["ReLU", "softmax", None, 1, ["relu"]]))
        return Case(lambda: d2lutils.lenet_digits(10, activation=v), ("activation", repr(v)), what=f"activation={v!r}")
    if which == "pool":
        v = draw(st.sampled_from(["min", "MAX", None, 2, ["max"]]))
        return Case(lambda: d2lutils.lenet_digits(10, pool=v), ("pool", repr(v)), what=f"pool={v!r}")
    if which == "valid":
        c = draw(st.integers(1, 20))

        def call():
            net = d2lutils.lenet_digits(c, act, pool)
            net.initialize()
            return net(nd.zeros((2, 1, 8, 8)))

        def check(Y):
            assert Y.shape == (2, c)
        return Case(call, None, check, f"lenet_digits({c}, {act}, {pool})")
    v = draw(st.one_of(st.sampled_from([0, -1, 1.5, "10", None, True]), st.integers(10**11, 10**15)))
    words = ("GiB",) if isinstance(v, int) and not isinstance(v, bool) and v > 10**10 else ("num_classes", repr(v))
    return Case(lambda: d2lutils.lenet_digits(v), words, what=f"lenet_digits({v!r})")


@st.composite
def environment_problem_cases(draw):
    # 异常类本身没有输入检查：核对它是 ImportError（导入 d2lutils 时抛出），信息原样保留
    text = draw(st.text(max_size=20))

    def check(err):
        assert isinstance(err, ImportError) and str(err) == text
    return Case(lambda: d2lutils.EnvironmentProblem(text), None, check, "EnvironmentProblem")


@st.composite
def expect_error_cases(draw):
    # 参数只能是异常类型（否则 TypeError）；块内抛出预期的异常时不向外传，记在 .exception 里；
    # 没有抛出或抛出别的异常时是演示失效，抛出 AssertionError（这里捕获它，核对信息）
    which = draw(st.sampled_from(["bad", "raised", "silent", "other"]))
    if which == "bad":
        v = draw(st.sampled_from([(), ("ValueError",), (ValueError, 3), (None,), (int,)]))

        def call():
            with d2lutils.expect_error(*v):
                pass
        return Case(call, ("expect_error", "异常类型"), what=f"expect_error(*{v!r})")
    msg = draw(st.text(max_size=10))

    def run():
        try:
            with d2lutils.expect_error(KeyError, ValueError) as seen:
                if which == "raised":
                    raise ValueError(msg)
                if which == "other":
                    raise ZeroDivisionError(msg)
        except AssertionError as err:
            return err
        return seen

    def check(result):
        if which == "raised":
            assert isinstance(result.exception, ValueError) and result.exception.args == (msg,)
        else:
            assert isinstance(result, AssertionError) and "KeyError、ValueError" in str(result)
            assert ("ZeroDivisionError" if which == "other" else "正常运行完") in str(result)
    return Case(run, None, check, f"expect_error: {which}")


FUZZ = {
    "EnvironmentProblem": environment_problem_cases(),
    "expect_error": expect_error_cases(),
    **{name: single_channel(name) for name in ("corr2d", "corr2d_fast", "corr2d_shift", "corr2d_im2col",
                                               "corr2d_rows")},
    "im2col": im2col_cases(),
    **{name: multi_channel(name) for name in ("corr2d_multi_in", "corr2d_multi_in_out", "corr2d_multi_in_out_1x1")},
    "pool2d": pool_cases(),
    "describe_devices": no_argument_cases("describe_devices", check_describe),
    "gpu_works": gpu_index_cases("gpu_works"),
    "try_gpu": gpu_index_cases("try_gpu"),
    "try_all_gpus": no_argument_cases("try_all_gpus", check_cpu_list),
    "Conv2D": conv_block("Conv2D"),
    "HybridConv2D": conv_block("HybridConv2D"),
    "edge_data": edge_data_cases(),
    "learn_kernel": learn_kernel_cases(),
    "plot": plot_cases(),
    "show_heatmaps": heatmap_cases(),
    "show_im2col": show_im2col_cases(),
    "show_placement": placement_cases(),
    "use_cjk_font": no_argument_cases("use_cjk_font", check_font),
    # DigitsSplit 是数据的容器（NamedTuple），由使用它的 train 检查：这里生成字段有问题的 DigitsSplit
    "DigitsSplit": train_cases(data_only=True),
    "load_digits_split": load_digits_cases(),
    "load_mnist_sample": load_mnist_cases(),
    "iter_batches": iter_batches_cases(),
    "accuracy": accuracy_cases(),
    "evaluate_accuracy": evaluate_accuracy_cases(),
    "train_step": train_step_cases(),
    "train": train_cases(),
    "lenet_digits": lenet_cases(),
    "plot_history": plot_history_cases(),
}

# 用到 matplotlib 的名字（测试替换 plt.show，并在每个例子之后关闭图）
PLOTTING = {"plot", "show_heatmaps", "show_im2col", "show_placement", "plot_history", "train", "DigitsSplit"}
