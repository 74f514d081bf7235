"""d2lutils 公共接口的模糊测试用例：每个公共名字一个 hypothesis 策略，生成好的和各种坏的调用。

每个例子是一个 Case：``call()`` 做一次调用；``bad`` 为 None 时调用必须成功，``check(result)``
对照 NumPy 参考实现（tests/oracle.py）核对结果；``bad`` 是字符串元组时调用必须抛出
ValueError/TypeError/EnvironmentProblem，中文信息里要含有其中每一个字符串（出错的参数名、它的值或形状）。
新增公共函数时在 FUZZ 里登记它，否则 test_every_public_name_is_fuzzed 失败。

策略由 ``pick`` 组装：一种合法调用（对照参考实现核对结果）、一张“参数名 → 坏值 → 错误信息应含的字符串”
的表，以及几种要专门构造的坏输入。hypothesis 每抽取一次都有不小的开销，所以参数成组地一次抽取
（``grid``：从全部组合中抽一个，缩小时从每一项的第一个值开始），数组的数值、网络的初始参数则由
抽到的一个种子用 NumPy 生成（``values``）。
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import math
from dataclasses import dataclass
from typing import Callable

import mxnet as mx
import numpy as onp
from hypothesis import strategies as st
from mxnet import gluon, nd, np as mnp
from mxnet.gluon import nn

import d2lutils
from d2lutils._arrays import ALL_DTYPES, DTYPE_TABLE
from oracle import conv_ref, corr2d_ref, im2col_ref, pool_ref

CTXS = (mx.cpu(0), mx.cpu(1))
HUGE = st.integers(10**5, 10**9)  # 填充、窗口等：中间数组远远放不下
INCHES = st.floats(1e4, 1e7)  # 图的大小：画布放不下
SEEDS = st.integers(0, 2**32 - 1)  # 数组的数值、网络的初始参数都由它生成
# 任意 Unicode 文字（同 st.text() 的默认字母表：能编码为 UTF-8 的字符，即除代理码位外的全部）。不写 codec：
# 带 codec 时 hypothesis 第一次要逐个试编码全部 111 万个码位（约 1 秒，结果缓存在 .hypothesis/，新的检出没有）
TEXT_CHARS = st.characters(exclude_categories=("Cs",))


@dataclass
class Case:
    call: Callable[[], object]
    bad: tuple[str, ...] | None = None  # None：必须成功；否则：中文错误必须含有这些字符串
    check: Callable[[object], None] = lambda result: None
    what: str = ""
    np_shape: bool = False  # 在 NumPy 语义（npx.set_np）下调用：只有这样才能创建空数组和零维数组

    def __repr__(self) -> str:
        return f"Case({self.what}, bad={self.bad})"


# ---------- 组装策略的工具 ----------

@functools.lru_cache(maxsize=None)
def grid(*choices) -> st.SearchStrategy[tuple]:
    """从各项取值的全部组合中一次抽一个（同样的参数得到同一个策略：hypothesis 只需为它算一次标签）。"""
    return st.sampled_from(list(itertools.product(*choices)))


# 每次抽取都新建 st.sampled_from(...) 要为它检查、算标签：同样的选项共用一个策略
choice = functools.lru_cache(maxsize=None)(st.sampled_from)  # 选项是元组（可哈希）时


@functools.lru_cache(maxsize=None)
def index(n: int) -> st.SearchStrategy[int]:
    """0 ~ n-1（从不能哈希的选项表中抽一项的下标；同 st.sampled_from，缩小时趋向第一项）。"""
    return st.sampled_from(range(n))


def rng_of(draw) -> onp.random.Generator:
    return onp.random.default_rng(draw(SEEDS))


def calling(f, **args):
    """call(**改动)：用 args 调用 f，其中几个参数换成改动的值。"""
    return lambda **changed: f(**{**args, **changed})


def value_of(label):  # 错误信息写出参数和坏值
    return lambda v: (label, repr(v))


def type_of(label):  # 错误信息写出参数和坏值的类型
    return lambda v: (label, type(v).__name__)


def only(*words):
    return lambda v: words


def pick(draw, what: str, valid=None, n_valid: int = 2, call=None, bad=None, **special) -> Case:
    """抽一种用例：valid()（占 n_valid 份）、bad 表里的一种坏值，或 special 里的一种（special[种类](draw)）。

    bad 是 {种类: (坏值, words, run)}：坏值是列表或 hypothesis 策略，抽出 v 后调用 run(v)，
    错误信息应含 words(v) 里的每个字符串；省略 run 时调用 call(种类=v)（种类就是参数名）。
    """
    bad = bad or {}
    kind = draw(choice(("valid",) * (n_valid if valid else 0) + (*bad, *special)))
    if kind == "valid":
        case = valid()
    elif kind in special:
        case = special[kind](draw)
    else:
        options, words, *run = bad[kind]
        v = draw(options) if isinstance(options, st.SearchStrategy) else options[draw(index(len(options)))]
        run = run[0] if run else lambda v: call(**{kind: v})
        case = Case(lambda: run(v), words(v), what=" ".join(f"{v!r:.80}".split()))
    case.what = f"{what} {kind} {case.what}"
    return case


def ok_dtypes(fn: str) -> tuple[str, ...]:
    return tuple(DTYPE_TABLE[fn])


def refused_dtypes(fn: str) -> list[str]:
    return [d for d in ALL_DTYPES if d not in DTYPE_TABLE[fn]]


# ---------- 数组 ----------

def values(rng: onp.random.Generator, shape, dtype="float32", special=True) -> onp.ndarray:
    """小整数（在 float16 中也精确）；浮点类型时约六分之一的数组带 1~3 个 NaN 或 ±inf。"""
    a = onp.asarray(rng.integers(-3, 4, size=shape), dtype=onp.float64)
    if special and dtype.startswith("float") and a.size and rng.integers(6) == 0:
        spots = rng.integers(a.size, size=rng.integers(1, 4))
        a.reshape(-1)[spots] = rng.choice([math.nan, math.inf, -math.inf], size=len(spots))
    if dtype == "bool":
        return a > 0
    return (abs(a) if dtype == "uint8" else a).astype(dtype)


def to_mx(a: onp.ndarray, kind: str, ctx=mx.cpu(0)):
    """数值和数据类型与 a 相同的 nd（kind 为 "nd"）或 mx.np 数组；同 nd.array，只是省去它一半的时间（逐项检查）。"""
    X = nd.empty(a.shape, ctx=ctx, dtype=a.dtype)
    X._sync_copyfrom(a)
    return X.as_np_ndarray() if kind == "np" else X


@dataclass
class Arrays:
    """一个例子里的数组都由同一个随机数生成器、数据类型、接口和设备生成。"""
    rng: onp.random.Generator
    dtype: str = "float32"
    interface: str = "nd"
    ctx: mx.Context = mx.cpu(0)

    def make(self, shape, dtype=None, ctx=None):
        """(NumPy 数组, 数值相同的 MXNet 数组)"""
        a = values(self.rng, shape, dtype or self.dtype)
        return a, to_mx(a, self.interface, ctx or self.ctx)


def not_arrays(a: onp.ndarray) -> list:
    """MXNet 数组之外的各种东西：NumPy 数组、列表、None、字符串、数。"""
    return [a, a.tolist(), None, "X", 3, 2.5]


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


LABELS = {"X": "输入 X", "K": "卷积核 K"}
RANK_SHAPES = {1: (3,), 2: (3, 3), 3: (2, 3, 3), 4: (1, 1, 2, 2), 5: (1, 1, 1, 1, 1)}
SIZES = [0, -1, -3, 1.5, 2.0, None, "2", True, (1,), (1, 2, 3), (1, -1), (0, 1), [2, 2.5]]
STRIDES = [0, -1, 1.5, None, "1", False, (1, 0), (0, 1), (1,), (1, 1, 1), onp.float64(1.0)]
PADDINGS = [-1, -2, 0.5, None, "0", True, (0, -1), (0,), (0, 0, 0), onp.float32(1)]


# 各种数组参数共有的坏输入，做成 pick 的表项 (坏值, words, run)：

def wrong_type(call, arrays: dict):
    """把一个数组参数（参数名 → 好的 NumPy 数组）换成 MXNet 数组以外的东西。"""
    return ([(n, v) for n, a in arrays.items() for v in not_arrays(a)],
            lambda nv: (LABELS[nv[0]], type_name(nv[1])), lambda nv: call(**dict([nv])))


def wrong_rank(call, arrays: Arrays, ndims: dict):
    """把一个数组参数（参数名 → 允许的维数）换成维数不对的数组。"""
    return ([(n, s) for n, ok in ndims.items() for r, s in RANK_SHAPES.items() if r not in ok],
            lambda ns: (LABELS[ns[0]], str(ns[1])), lambda ns: call(**{ns[0]: arrays.make(ns[1])[1]}))


def refused_dtype(call, arrays: Arrays, fn: str, shapes: dict):
    """所有数组参数（参数名 → 形状）都用 fn 不支持的数据类型。"""
    return (refused_dtypes(fn), lambda d: ("输入 X", d),
            lambda d: call(**{n: arrays.make(shape, d)[1] for n, shape in shapes.items()}))


# ---------- 窗口运算：互相关（单通道、多通道）、im2col、pool2d ----------

# 名字 → (X 可以有几维, 第二个参数：卷积核 K 的维数，或窗口大小参数的名字)
WINDOW_OPS = {
    **{name: ((2,), 2) for name in ("corr2d", "corr2d_fast", "corr2d_shift", "corr2d_im2col", "corr2d_rows")},
    "corr2d_multi_in": ((3,), 3), "corr2d_multi_in_out": ((3,), 4), "corr2d_multi_in_out_1x1": ((3,), 4),
    "im2col": ((2, 3), "kernel_size"), "pool2d": ((2, 3), "pool_size"),
}
WINDOW_LABELS = {"kernel_size": "窗口", "pool_size": "汇聚窗口 pool_size"}
WINDOW_SHAPES = grid(range(1, 7), range(1, 7), range(3), range(3), range(1, 4), range(1, 4))  # 高宽、填充、步幅
WINDOW_KERNELS = grid(range(10), range(10))  # 卷积核的高宽（对填充后的高宽取余）
EMPTY_SHAPES = [(0, 3), (3, 0), (0, 0), ()]


def window_cases(name: str):
    f = getattr(d2lutils, name)
    x_ndims, second = WINDOW_OPS[name]
    is_K, pool, one_by_one = isinstance(second, int), name == "pool2d", name.endswith("1x1")
    geometry = name != "corr2d"  # 教学版 corr2d 没有 padding、stride 参数
    configs = grid(ok_dtypes(name), ("nd", "np"), CTXS, x_ndims, (1, 2, 3), (1, 2, 3),
                   ("max", "avg") if pool else (None,), (True, False) if pool else (None,))

    @st.composite
    def strat(draw):
        dtype, interface, ctx, x_ndim, c_i, c_o, mode, cip = draw(configs)
        h, w, p0, p1, s0, s1 = draw(WINDOW_SHAPES)
        if not geometry:
            p0 = p1 = 0
            s0 = s1 = 1
        a, b = draw(WINDOW_KERNELS)
        if pool:  # 汇聚窗口不大于输入，填充小于窗口
            k = (1 + a % h, 1 + b % w)
            p0, p1 = p0 % k[0], p1 % k[1]
        else:
            k = (1, 1) if one_by_one else (1 + a % (h + 2 * p0), 1 + b % (w + 2 * p1))
        p, s = (p0, p1), (s0, s1)
        arrays = Arrays(rng_of(draw), dtype, interface, ctx)
        x, X = arrays.make((h, w) if x_ndim == 2 else (c_i, h, w))
        k_lead = ((), (c_i,), (c_o, c_i))[second - 2] if is_K else ()
        kk, K = arrays.make(k_lead + k) if is_K else (None, k)
        args = {"X": X, "K" if is_K else second: K}
        args.update({"padding": p, "stride": s} if geometry else {})
        args.update({"mode": mode, "count_include_pad": cip} if pool else {})
        call = calling(f, **args)
        x3 = x if x_ndim == 3 else x[None]

        def valid():
            if is_K:
                expected = conv_ref(x3, kk.reshape((1,) * (4 - kk.ndim) + kk.shape), p, s)
                expected = expected if second == 4 else expected[0]
            elif pool:
                expected = pool_ref(x3, k, mode, p, s, cip)
                expected = expected if x_ndim == 3 else expected[0]
            else:
                expected = im2col_ref(x3, k, p, s)
            return Case(call, None, check_array_result(interface, ctx, dtype, expected))

        bad = {
            "type": wrong_type(call, {"X": x, **({"K": kk} if is_K else {})}),
            "rank": wrong_rank(call, arrays, {"X": x_ndims, **({"K": (second,)} if is_K else {})}),
            "dtype_refused": refused_dtype(call, arrays, name, {"X": x.shape, **({"K": kk.shape} if is_K else {})}),
            "window": ([(h + 2 * p0 + r, k[1]) for r in (1, 2, 3)],  # 窗口比（填充后的）输入高
                       lambda big: (LABELS["K"] if is_K else WINDOW_LABELS[second], str(big), "不能大于"),
                       lambda big: call(**{"K": arrays.make(k_lead + big)[1]} if is_K else {second: big})),
        }
        if geometry:
            bad["padding"] = (PADDINGS, value_of("填充 padding"))
            bad["stride"] = ([v for v in STRIDES if v is not None] if pool else STRIDES,  # 汇聚：None 是默认步幅
                             value_of("步幅 stride"))
            bad["huge"] = (HUGE, lambda v: ("GiB", str(h + 2 * v)),
                           lambda v: call(padding=v, **({"pool_size": v + 1} if pool else {})))
        if not is_K:
            bad[second] = (SIZES, value_of(second))
        if pool:
            bad["mode"] = (["min", "MAX", "", None, 0, "mean"], value_of("mode"))
            bad["count_include_pad"] = (["no", None, 0, 1.0, "True"], value_of("count_include_pad"))
            bad["pad_vs_window"] = ([k], lambda v: ("填充 padding", str(v)), lambda v: call(padding=v))
        special = {}
        if is_K:
            bad["device"] = ([c for c in CTXS if c != ctx], lambda c: (str(ctx), str(c)),
                             lambda c: call(K=to_mx(kk, interface, c)))
            bad["dtype_mismatch"] = ([d for d in ALL_DTYPES if d != dtype], lambda d: (dtype, d),
                                     lambda d: call(K=arrays.make(kk.shape, d)[1]))
        if is_K and x_ndims == (2,):
            def empty(draw):  # 只有在 NumPy 语义下才能创建空数组
                which, shape = draw(st.sampled_from([(n, s) for n in ("X", "K") for s in EMPTY_SHAPES]))
                other, size = ("K", (1, 1)) if which == "X" else ("X", (3, 3))
                return Case(lambda: call(**{which: mnp.zeros(shape), other: mnp.ones(size)}),
                            (LABELS[which], str(shape)), what=f"{which}{shape}", np_shape=True)
            special["empty"] = empty
        if x_ndims == (3,):
            bad["channels"] = ([(c_i + r, h, w) for r in (1, 2)], lambda shape: (str(shape), str(kk.shape)),
                               lambda shape: call(X=arrays.make(shape)[1]))
        if one_by_one:
            bad["not_1x1"] = ([k_lead + hw for hw in ((2, 1), (1, 2), (3, 3))], lambda shape: ("(1, 1)", str(shape)),
                              lambda shape: call(X=arrays.make((c_i, 3, 3))[1], K=arrays.make(shape)[1]))
        what = f"{name} X{x.shape} k={k} {dtype} {interface} {ctx} p={p} s={s} mode={mode} cip={cip}"
        return pick(draw, what, valid, 4 if name == "corr2d" else 3, call, bad, **special)
    return strat()


# ---------- 卷积层 ----------

BLOCK_SHAPES = grid(range(1, 6), range(1, 6), range(5), range(5))  # 输入的高宽、卷积核的高宽（取余）


def conv_net(cls, k, ctx, dtype, hybrid, w0=None, initialize=True):
    """参数由 w0 决定的卷积层（用 NumPy 生成，比 mx.random.seed 快得多），偏置为 0.5。"""
    net = cls(k)
    if initialize:
        net.initialize(mx.init.Zero(), ctx=ctx)
        net.cast(dtype)
        if w0 is not None:
            net.weight.set_data(to_mx(w0.astype(dtype), "nd", ctx))
        net.bias.set_data(nd.full((1,), 0.5, ctx=ctx, dtype=dtype))
    if hybrid:
        net.hybridize()
    return net


spare_conv_net = functools.lru_cache(maxsize=None)(conv_net)  # 坏输入在计算之前就出错：同样设置的调用共用一个


def conv_block(cls_name: str):
    cls = getattr(d2lutils, cls_name)
    configs = grid(ok_dtypes(cls_name), CTXS, ("nd", "np"), (False, True) if cls_name == "HybridConv2D" else (False,))

    @st.composite
    def strat(draw):
        dtype, ctx, interface, hybrid = draw(configs)
        h, w, a, b = draw(BLOCK_SHAPES)
        k = (1 + a % h, 1 + b % w)
        arrays = Arrays(rng_of(draw), dtype, interface, ctx)
        x, X = arrays.make((h, w))
        w0 = arrays.rng.uniform(-3, 3, k)
        other = CTXS[1] if ctx == CTXS[0] else CTXS[0]

        def make(init_ctx=ctx, net_dtype=dtype, initialize=True):
            return conv_net(cls, k, init_ctx, net_dtype, hybrid, w0, initialize)

        def call(X=X, **kw):
            return (make(**kw) if kw else spare_conv_net(cls, k, ctx, dtype, hybrid))(X)

        def forward():
            net = make()
            return net(X), net.weight.data(ctx).asnumpy().astype(onp.float64)

        def check(result):
            Y, W = result
            expected = corr2d_ref(x, W) + 0.5 if onp.isfinite(x).all() else conv_ref(x[None], W[None, None])[0] + 0.5
            assert onp.dtype(Y.dtype).name == dtype and Y.context == ctx
            close(Y, expected, dtype)

        def window(draw):
            Xs = arrays.make((k[0], max(k[1] - 1, 1)) if k[1] > 1 else (max(k[0] - 1, 1), 1))[1]
            if Xs.shape[0] >= k[0] and Xs.shape[1] >= k[1]:  # 1x1 卷积核：任何输入都放得下
                return Case(forward, None, check, what="(1x1 fits)")  # 其实是合法的输入：结果照样对照参考实现
            return Case(lambda: call(Xs), ("不能大于", str(k)), what=f"X{Xs.shape}")

        mismatch = [d for d in ok_dtypes(cls_name) if d != dtype]
        return pick(draw, f"{cls_name} X{x.shape} k={k} {dtype} {ctx} {interface} hybridize={hybrid}",
                    lambda: Case(forward, None, check), 2, call, {
                        "kernel_size": (SIZES, value_of("kernel_size"), cls),
                        "huge_kernel": (st.tuples(HUGE, HUGE), lambda v: ("GiB", str(v)), cls),
                        "uninit": ([False], only("还没有初始化", "weight"), lambda v: call(initialize=v)),
                        "device": ([other], lambda v: (str(ctx), str(v)), lambda v: call(init_ctx=v)),
                        "dtype_mismatch": (mismatch, lambda v: (dtype, v, "weight"), lambda v: call(net_dtype=v)),
                        "type": wrong_type(call, {"X": x}), "rank": wrong_rank(call, arrays, {"X": (2,)}),
                        "dtype_refused": refused_dtype(call, arrays, cls_name, {"X": x.shape}),
                    }, window=window)
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


def no_argument_cases(fn_name: str, ok):
    """没有参数的函数：核对 ok(返回值, 打印的文字)。"""
    def call():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = getattr(d2lutils, fn_name)()
        return result, out.getvalue()

    def check(result):
        assert ok(*result), result
    return st.just(Case(call, None, check, fn_name))


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
ONES = nd.ones((1, 2))
LEARN_RATES = st.one_of(st.floats(0, 0.05), st.sampled_from([5e-324, 2.2250738585e-313, 1e-300]))


def learn_parts(w0, lr, use_trainer: bool, ctx=mx.cpu(), initialize: bool = True):
    """(1x2 卷积层, 训练器或 None)：权重为 w0、偏置为 0。"""
    net = d2lutils.Conv2D((1, 2))
    if initialize:
        net.initialize(mx.init.Zero(), ctx=ctx)
        net.weight.set_data(nd.array(w0, ctx=ctx))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr}) if use_trainer and initialize \
        else None
    return net, trainer


@functools.lru_cache(maxsize=None)
def spare_learn_parts(use_trainer: bool):
    return learn_parts(onp.zeros((1, 2), "float32"), 0.01, use_trainer)


@st.composite
def learn_kernel_cases(draw):
    steps, use_trainer = draw(grid((1, 2, 3), (False, True)))
    lr = draw(LEARN_RATES)
    w0 = rng_of(draw).uniform(-0.07, 0.07, (1, 2)).astype("float32")  # 同 Conv2D 默认的初始化
    X0, Y0 = EDGE

    def run(init_ctx=mx.cpu(), initialize=True, **kw):
        if kw and initialize and init_ctx == mx.cpu():  # 坏输入在训练之前就出错：共用一个网络
            net, trainer = spare_learn_parts(use_trainer)
        else:
            net, trainer = learn_parts(w0, lr, use_trainer, init_ctx, initialize)
        args = {"net": net, "X": X0, "Y": Y0, "num_steps": steps, "lr": lr, "trainer": trainer, "verbose": False}
        return d2lutils.learn_kernel(**{**args, **kw})

    def check(losses):
        assert len(losses) == steps and all(isinstance(v, float) for v in losses)
        first = ((corr2d_ref(X0.asnumpy(), w0) - Y0.asnumpy()) ** 2).sum()  # 偏置初始为 0
        assert abs(losses[0] - first) <= 1e-4 * max(1.0, first), (losses[0], first)

    cpu1 = ("cpu(0)", "cpu(1)")
    return pick(draw, f"learn_kernel steps={steps} lr={lr} trainer={use_trainer}", lambda: Case(run, None, check),
                3, run, {
                    "net": ([None, "net", lambda X: X, ONES], type_of("net")),
                    "X": ([None, [[1, 2]], onp.ones((6, 8)), "X"], type_of("输入 X")),
                    "num_steps": ([0, -1, 1.5, None, "3", True], value_of("num_steps")),
                    "lr": ([math.nan, math.inf, -math.inf, None, "0.1", [0.1]], value_of("学习率 lr")),
                    "trainer": (["sgd", 1, object()], type_of("trainer")),
                    "devices": ([mx.cpu(1)], only(*cpu1), lambda c: run(Y=Y0.as_in_context(c))),
                    "param_device": ([mx.cpu(1)], only(*cpu1), lambda v: run(init_ctx=v)),
                    "uninit": ([False], only("还没有初始化"), lambda v: run(initialize=v)),
                    "shape": ([3], only("(6, 7)", "(6, 3)"), lambda v: run(Y=Y0[:, :v])),
                })


# ---------- 画图（plt.show 由测试替换，图在 check 中核对） ----------

SHOWN: list = []  # 测试把 plt.show 换成把当前的图放进这里


def last_figure():
    assert SHOWN, "没有画出图"
    return SHOWN[-1]


HEATMAP = grid(range(1, 5), range(1, 5), ALL_DTYPES, ("numpy", "nd", "np"))  # 一个矩阵的高、宽、数据类型、数组种类


@st.composite
def heatmap_cases(draw):
    n, annotate = draw(grid((1, 2, 3), (False, True)))
    specs = [draw(HEATMAP) for _ in range(n)]
    rng = rng_of(draw)
    mats = [values(rng, (h, w), dtype) for h, w, dtype, _ in specs]
    arrays = [m if kind == "numpy" else to_mx(m, kind) for m, (*_, kind) in zip(mats, specs)]
    titles = [f"图{i}" for i in range(n)]
    call = calling(d2lutils.show_heatmaps, arrays=arrays, titles=titles, annotate=annotate)

    def check(_):
        fig = last_figure()
        images = [ax.get_images()[0].get_array() for ax in fig.axes]
        assert len(images) == n
        for img, m in zip(images, mats):
            onp.testing.assert_array_equal(onp.ma.getdata(img), m.astype(onp.float64))
        assert [ax.get_title() for ax in fig.axes] == titles

    def rank(draw):
        shape, kind, j = draw(grid(((3,), (2, 2, 2), (1,)), ("nd", "np"), range(n + 1)))
        arrs = arrays[:j] + [to_mx(values(rng, shape), kind)] + arrays[j:]
        return Case(lambda: call(arrays=arrs, titles=titles + ["x"]), (f"arrays[{j}]", str(shape)), what=f"{shape}")

    odd = [onp.array([["a", "b"]], dtype=object), onp.ones((2, 2), dtype=complex)]
    return pick(draw, f"show_heatmaps {specs}", lambda: Case(call, None, check), 1, call, {
        "empty": ([(0, 3), (2, 0), ()], lambda v: ("arrays[0]", str(v)),
                  lambda v: call(arrays=[onp.zeros(v)], titles=["x"])),
        "titles": ([titles[:-1], titles + ["多"], None, "标题", [1] * n], only("titles")),
        "arrays": ([None, [], "X", 3, [None], [[[1, 2]]]], only("arrays")),
        "cmap": (["no-such-map", "", None, 3], value_of("cmap")),
        "cell_size": ([0, -1, math.nan, math.inf, None, "1"], value_of("cell_size")),
        "huge": (INCHES, only("英寸"), lambda v: call(cell_size=v)),
        "dtype": (odd, lambda v: ("arrays[0]", str(v.dtype)), lambda v: call(arrays=[v], titles=["x"])),
    }, rank=rank)


@st.composite
def plot_cases(draw):
    n, m, legend, scale = draw(grid((1, 2, 3), range(7), (False, True), ("linear", "log", "symlog")))
    rng = rng_of(draw)
    xs = list(range(m))
    ys = [list(values(rng, (m,), "float64")) for _ in range(n)]
    Y = ys if n > 1 else ys[0]
    call = calling(d2lutils.plot, X=xs, Y=Y)
    legend = [f"曲线{i}" for i in range(n)] if legend else None

    def check(_):
        lines = last_figure().axes[0].get_lines()
        assert len(lines) == n
        for line, y in zip(lines, ys):
            onp.testing.assert_array_equal(line.get_xdata(), xs)
            onp.testing.assert_array_equal(line.get_ydata(), y)

    def valid():
        return Case(lambda: call(xlabel="迭代周期", legend=legend, yscale=scale), None, check, f"{scale}")

    return pick(draw, f"plot n={n} m={m}", valid, 1, call, {
        "X": ([None, "abc", 3, 1.5], only("X")),
        "Y": ([None, "abc", 3], only("Y")),
        "lengths": ([xs + [99]], only("形状"), lambda v: call(X=v)),
        "curves": ([[xs] * 4], only("4 条", "2 条"), lambda v: call(X=v, Y=[[0.0] * m] * 2)),
        "xscale": (["bogus", None, "LOG", 1], value_of("xscale")),
        "legend": (["一条", ["a"] * (n + 1), []], only("legend")),
        "figsize": ([(0, 3), (-1, 2), (math.nan, 3), 5, None, (1, 2, 3), ("4", 3)],
                    lambda v: ("图" if isinstance(v, tuple) and len(v) == 2 else "figsize",)),
        "huge": (INCHES, only("英寸"), lambda v: call(figsize=(v, v))),
        "fmts": ([[], ["zz"], "-", [1], None], only("fmts")),
        "values": ([[["a", "b"]]], only("第 1 条曲线"), lambda v: call(X=v, Y=[[1, 2]])),
    })


@st.composite
def show_im2col_cases(draw):
    h, w, a, b, interface = draw(grid(range(1, 5), range(1, 5), range(4), range(4), ("nd", "np")))  # 每格都标数字：小一点
    k = (1 + a % h, 1 + b % w)
    n_cols = (h - k[0] + 1) * (w - k[1] + 1)
    arrays = Arrays(rng_of(draw), interface=interface)
    highlight = [int(j) for j in arrays.rng.integers(n_cols, size=arrays.rng.integers(4))]
    x, X = arrays.make((h, w))
    call = calling(d2lutils.show_im2col, X=X, kernel_size=k, highlight=highlight)

    def check(_):
        shown = [onp.ma.getdata(ax.get_images()[0].get_array()) for ax in last_figure().axes]
        onp.testing.assert_array_equal(shown[0], x)
        onp.testing.assert_array_equal(shown[1], im2col_ref(x[None], k))

    return pick(draw, f"show_im2col X{x.shape} k={k} highlight={highlight}", lambda: Case(call, None, check), 1, call, {
        "rank": ([nd.ones((1, h, w))], lambda v: ("输入 X", str(v.shape)), lambda v: call(X=v)),
        "kernel_size": (SIZES, value_of("kernel_size")),
        "window": ([(h + 1, 1)], lambda v: ("不能大于", str(v)), lambda v: call(kernel_size=v)),
        "highlight": ([[n_cols], [-1], [0.5], "0", 3, [n_cols + 10]], only("highlight")),
        "cell_size": ([0, -1, math.nan, None, "1"], value_of("cell_size")),
        "huge": (INCHES, only("英寸"), lambda v: call(cell_size=v)),
        "X": wrong_type(call, {"X": x}),
    })


PLACED = grid(("nd", "np", "param", "ctx", "ctx_list"), ((mx.cpu(0),), (mx.cpu(1),), (mx.cpu(0), mx.cpu(1))))


@functools.lru_cache(maxsize=None)
def placed(kind: str, ctxs: tuple, i: int):
    """放在 ctxs 上的一个东西（show_placement 只读它的设备，不改动它：同样的设置共用一个）。"""
    if kind == "param":
        obj = gluon.Parameter(f"w{i}", shape=(2,))
        obj.initialize(ctx=list(ctxs))
        return obj
    return {"ctx": ctxs[0], "ctx_list": list(ctxs)}.get(kind) or to_mx(onp.ones((2, 2)), kind, ctxs[0])


@st.composite
def placement_cases(draw):
    items, where = {}, {}
    for i in range(draw(st.integers(1, 4))):
        kind, ctxs = draw(PLACED)
        ctxs = list(ctxs)
        if kind in ("nd", "np", "ctx"):
            ctxs = ctxs[:1]
        items[f"名字{i}"] = placed(kind, tuple(ctxs), i)
        for c in ctxs:
            where.setdefault(c, []).append(f"名字{i}")
    call = calling(d2lutils.show_placement, items=items)

    def check(_):
        texts = [t.get_text() for t in last_figure().axes[0].texts]
        expected = []
        for c, names in where.items():  # 设备按第一次出现的顺序，每个设备下列出放在那里的名字
            expected += [f"{c}（CPU 内存）"] + names
        assert texts == expected, (texts, expected)

    bad_value = [3, "cpu", onp.ones(2), [], [mx.cpu(), 1], None]
    return pick(draw, f"show_placement {where}", lambda: Case(lambda: call(title="放置"), None, check), 1, call, {
        "items": ([list(items.values()), "x", 3, [("a", mx.cpu())], None, {}],
                  lambda v: ("items",) + ((type_name(v),) if v != {} else ())),
        "value": (bad_value, lambda v: ("坏的", type_name(v)), lambda v: call(items=dict(items, 坏的=v))),
        "uninit": ([None], only("参数 w", "初始化"), lambda _: call(items={"w": gluon.Parameter("w", shape=(2,))})),
        "width": ([0, -1.0, math.nan, math.inf, None, "2"], value_of("width")),
        "huge": (INCHES, only("英寸"), lambda v: call(width=v)),
    })


@st.composite
def plot_history_cases(draw):
    rng = rng_of(draw)
    m = draw(st.integers(0, 5))
    hist = {k: [float(v) for v in values(rng, (m,), "float64")] for k in ("loss", "train_acc", "test_acc")}

    def check(_):
        lines = last_figure().axes[0].get_lines()
        assert len(lines) == 3
        for line, key in zip(lines, ("loss", "train_acc", "test_acc")):
            onp.testing.assert_array_equal(line.get_ydata(), hist[key])

    call = calling(d2lutils.plot_history, history=hist)
    history = lambda v: call(history=v)  # noqa: E731
    return pick(draw, f"plot_history m={m}", lambda: Case(call, None, check), 1, call, {
        "history": ([None, [], "loss", 3], only("history")),
        "missing": ([{k: v for k, v in hist.items() if k != key} for key in hist], only("history"), history),
        "lengths": ([dict(hist, loss=hist["loss"] + [1.0])], only("history", "长度"), history),
        "values": ([dict(hist, test_acc=3)], only("history"), history),
    })


# ---------- 第 09、10 课：数据与训练 ----------

BAD_SEEDS = ([-1, 1.5, "0", None, 2**40], value_of("seed"))
BAD_DTYPES = (["float16", "int", "uint8", None, 32, "FLOAT32"], value_of("dtype"))


@st.composite
def load_digits_cases(draw):
    frac, seed, dtype = draw(st.floats(0.1, 0.5)), draw(SEEDS), draw(st.sampled_from(["float32", "float64"]))
    f = d2lutils.load_digits_split

    def check(d):
        assert isinstance(d, d2lutils.DigitsSplit)
        n_test = math.ceil(1797 * frac)
        assert d.X_test.shape == (n_test, 1, 8, 8) and d.X_train.shape == (1797 - n_test, 1, 8, 8)
        assert d.y_train.shape == (1797 - n_test,) and d.X_train.dtype == dtype
        assert 0 <= d.X_train.min() and d.X_train.max() <= 1
        assert set(onp.unique(d.y_test)) == set(range(10))  # 分层：每类都在测试集里

    return pick(draw, f"load_digits_split({frac}, {seed}, {dtype})",
                lambda: Case(lambda: f(frac, seed, dtype), None, check), 1, calling(f), {
                    "test_fraction": ([0, 1, -0.5, 1.5, math.nan, math.inf, "0.25", None, 0.001, 0.999],
                                      value_of("test_fraction")),
                    "seed": BAD_SEEDS, "dtype": BAD_DTYPES,
                })


@st.composite
def load_mnist_cases(draw):
    n_train, n_test, seed = draw(st.integers(1, 300)), draw(st.integers(1, 300)), draw(SEEDS)
    dtype = draw(st.sampled_from(["float32", "float64"]))
    f = d2lutils.load_mnist_sample

    def check(d):
        assert isinstance(d, d2lutils.DigitsSplit)
        assert d.X_train.shape == (n_train, 1, 28, 28) and d.X_test.shape == (n_test, 1, 28, 28)
        assert d.y_train.shape == (n_train,) and d.y_test.dtype == onp.int64 and d.X_test.dtype == dtype
        assert 0 <= d.X_train.min() and d.X_train.max() <= 1 and set(onp.unique(d.y_train)) <= set(range(10))
        # 同一个种子：测试集是打乱后的前 num_test 张，与 num_train 无关
        again = f(1, n_test, seed, dtype)
        assert onp.array_equal(again.X_test, d.X_test) and onp.array_equal(again.y_test, d.y_test)

    return pick(draw, f"load_mnist_sample({n_train}, {n_test}, {seed}, {dtype})",
                lambda: Case(lambda: f(n_train, n_test, seed, dtype), None, check), 2,
                calling(f, num_train=1000, num_test=1000), {
                    "num_train": ([0, 9001, None], lambda v: ("10000", repr(v)) if v == 9001 else ("num_train", repr(v))),
                    "num_test": ([-1, 1.5, "10", True], value_of("num_test")),
                    "seed": BAD_SEEDS, "dtype": BAD_DTYPES,
                })


BATCH_DTYPES = ("float16", "float32", "float64", "int8", "int32", "int64", "uint8")


@st.composite
def iter_batches_cases(draw):
    n, dtype, bs, ctx = draw(grid(range(8), BATCH_DTYPES, range(1, 9), (None, mx.cpu(0), mx.cpu(1))))
    seed = draw(st.one_of(st.none(), st.integers(0, 100)))
    x = values(rng_of(draw), (n, 2), dtype, special=False)
    y = onp.arange(n) % 3
    f = d2lutils.iter_batches

    def check(batches):
        batches = list(batches)
        order = onp.arange(n) if seed is None else onp.random.default_rng(seed).permutation(n)
        assert len(batches) == math.ceil(n / bs)
        if n:
            onp.testing.assert_array_equal(onp.concatenate([b[0].asnumpy() for b in batches]), x[order])
            onp.testing.assert_array_equal(onp.concatenate([b[1].asnumpy() for b in batches]), y[order])
        for Xb, yb in batches:
            assert Xb.dtype == x.dtype and yb.dtype == onp.float32 and Xb.context == yb.context == (ctx or mx.cpu())

    def valid():
        return Case(lambda: f(x, y, bs, None if seed is None else onp.random.default_rng(seed), ctx), None, check)

    odd = [onp.array([["a"]] * n, dtype=object).reshape(n, 1), onp.ones((n, 2), dtype=bool), onp.ones((n, 2), dtype=complex)]
    return pick(draw, f"iter_batches n={n} {dtype} bs={bs} seed={seed} ctx={ctx}", valid, 2,
                calling(f, X=x, y=y, batch_size=bs), {
                    "X": ([None, x.tolist(), "X", to_mx(x, "nd") if n else 3, onp.float64(1.0)], only("X")),
                    "y": ([None, y.tolist(), y.reshape(-1, 1), onp.array(1.0)], only("y")),
                    "lengths": ([onp.arange(n + 1)], only(f"{n} 个样本", f"{n + 1} 个标签"), lambda v: f(x, v, bs)),
                    "batch_size": ([0, -1, 1.5, None, "8", True], value_of("batch_size")),
                    "rng": ([0, "seed", onp.random.RandomState(0)], type_of("rng")),
                    "ctx": (["cpu", 0, [mx.cpu()]], value_of("ctx")),
                    "dtype": (odd, lambda v: ("X", str(v.dtype)), lambda v: f(v, y, bs)),
                })


@st.composite
def accuracy_cases(draw):
    n, c, dtype, label_dtype = draw(grid(range(1, 7), range(1, 5), ("float16", "float32", "float64", "int32", "int64"),
                                         ("float32", "int32", "int64")))
    rng = rng_of(draw)
    scores = onp.stack([rng.permutation(c) for _ in range(n)]).astype(dtype)  # 每行最大值唯一
    labels = rng.integers(0, c, size=n)
    y_hat, y = to_mx(scores, "nd"), to_mx(labels.astype(label_dtype), "nd")
    f = d2lutils.accuracy
    expected = int((scores.argmax(axis=1) == labels).sum())

    def check(r):
        assert isinstance(r, int) and r == expected, (r, expected)

    bad_types = [None, scores, scores.tolist(), "y"]
    return pick(draw, f"accuracy {scores.shape} {dtype} labels {label_dtype}",
                lambda: Case(lambda: f(y_hat, y), None, check), 2, calling(f, y_hat=y_hat, y=y), {
                    "y_hat": (bad_types, type_of("y_hat")),
                    "y": (bad_types, type_of("标签 y")),
                    "1d": ([labels], only(str((n,))), lambda v: f(nd.array(v), y)),
                    "labels": ([onp.append(labels, 0)], only(str((n + 1,))), lambda v: f(y_hat, nd.array(v))),
                    "device": ([mx.cpu(1)], only("cpu(1)"), lambda c: f(y_hat, y.as_in_context(c))),
                }, empty_classes=lambda draw: Case(lambda: f(mnp.zeros((n, 0)), mnp.zeros((n,))), (str((n, 0)),),
                                                   np_shape=True))


def tiny_net(seed: int, ctxs=(mx.cpu(0),), classes: int = 3, in_units: int = 4):
    """一个全连接层，权重由 seed 决定（用 NumPy 生成：比 mx.random.seed 快得多），偏置为 0。"""
    net = nn.Dense(classes, in_units=in_units)
    net.initialize(mx.init.Zero(), ctx=list(ctxs))
    W = onp.random.default_rng(seed).normal(0, 0.5, (classes, in_units))
    for data in net.weight.list_data():  # 每个设备上的一份（NumPy 语义下也是 mx.np 数组）
        data[:] = W
    return net


def net_and_trainer(seed, ctxs=(mx.cpu(0),), classes: int = 3, in_units: int = 4):
    net = tiny_net(seed, ctxs, classes, in_units)
    return net, gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})


@functools.lru_cache(maxsize=None)
def spare_parts(ctxs=(mx.cpu(0),), classes: int = 3, in_units: int = 4):
    """(网络, 训练器)：坏输入在训练之前就出错、不会改动网络，这些调用共用一份（省下每次新建的时间）。"""
    return net_and_trainer(0, ctxs, classes, in_units)


def dense_forward(net, x):
    W = net.weight.data(net.weight.list_ctx()[0]).asnumpy().astype(onp.float64)
    b = net.bias.data(net.bias.list_ctx()[0]).asnumpy().astype(onp.float64)
    return x.reshape(len(x), -1).astype(onp.float64) @ W.T + b


@st.composite
def evaluate_accuracy_cases(draw):
    n, bs = draw(grid(range(1, 7), range(1, 9)))
    seed = draw(SEEDS)
    rng = onp.random.default_rng(seed)
    x, y = rng.standard_normal((n, 4)).astype("float32"), rng.integers(0, 3, size=n)
    f = d2lutils.evaluate_accuracy

    def call(**kw):
        args = {"X": x, "y": y, "ctx": mx.cpu(), "batch_size": bs, **kw}
        return f(**args) if "net" in kw else f(net=spare_parts()[0], **args)

    def valid():
        net = tiny_net(seed)
        expected = (dense_forward(net, x).argmax(axis=1) == y).mean()

        def check(r):
            assert r == expected, (r, expected)
        return Case(lambda: call(net=net), None, check)

    return pick(draw, f"evaluate_accuracy n={n} bs={bs}", valid, 2, call, {
        "net": ([None, "net", lambda X: X], type_of("net")),
        "empty": ([(x[:0], y[:0])], only("空", str((0, 4))), lambda v: call(X=v[0], y=v[1])),
        "ctx": (["cpu", None, 0, [mx.cpu()]], value_of("ctx")),
        "batch_size": ([0, -2, 2.5, None], value_of("batch_size")),
        "X": ([x.tolist(), None, to_mx(x, "nd")], type_of("X")),
    })


def softmax_ce_sum(z, y):
    z = z - z.max(axis=1, keepdims=True)
    logp = z - onp.log(onp.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[onp.arange(len(y)), y].sum())


@st.composite
def train_step_cases(draw):
    n, ctxs = draw(grid(range(1, 6), ((mx.cpu(0),), (mx.cpu(0), mx.cpu(1)), (mx.cpu(1),))))
    ctxs = list(ctxs)
    seed = draw(SEEDS)
    rng = onp.random.default_rng(seed)
    x, y = rng.standard_normal((n, 4)), rng.integers(0, 3, size=n)
    X, Y = (to_mx(a.astype("float32"), "nd") for a in (x, y))
    loss = gluon.loss.SoftmaxCrossEntropyLoss()

    def call(**kw):  # 合法的调用（没有改动）用新建的网络
        net, trainer = spare_parts(tuple(ctxs)) if kw else net_and_trainer(seed, ctxs)
        args = {"net": net, "loss_fn": loss, "trainer": trainer, "X": X, "y": Y,
                "ctx": ctxs if len(ctxs) > 1 else ctxs[0]}
        z = dense_forward(net, x.astype("float32"))  # 更新之前的输出：损失按它计算
        return d2lutils.train_step(**{**args, **kw}), z

    def check(r):
        (loss_sum, correct), z = r
        assert abs(loss_sum - softmax_ce_sum(z, y)) <= 1e-4 * max(1, abs(loss_sum))
        assert correct == int((z.argmax(axis=1) == y).sum())

    return pick(draw, f"train_step n={n} ctxs={ctxs}", lambda: Case(call, None, check), 3, call, {
        "net": ([None, "net"], type_of("net")),
        "loss_fn": ([None, "ce", lambda a, b: a], type_of("loss_fn")),
        "trainer": ([None, "sgd"], type_of("trainer")),
        "X": ([x, x.tolist(), None], type_of("输入 X")),
        "shape": ([onp.append(y, 1)], only(str((n, 4)), str((n + 1,))), lambda v: call(y=nd.array(v))),
        "ctx": (["cpu", [], None, [mx.cpu(), 0]], value_of("ctx")),
    }, empty=lambda draw: Case(lambda: call(X=mnp.zeros((0, 4)), y=mnp.zeros((0,))), ("(0, 4)",), np_shape=True))


def tiny_digits(rng, n_train=None, n_test=None):
    n_train = n_train if n_train is not None else int(rng.integers(1, 7))
    n_test = n_test if n_test is not None else int(rng.integers(1, 5))
    return d2lutils.DigitsSplit(rng.random((n_train, 1, 8, 8)).astype("float32"), rng.integers(0, 10, n_train),
                                rng.random((n_test, 1, 8, 8)).astype("float32"), rng.integers(0, 10, n_test))


@st.composite
def train_cases(draw, data_only=False):
    epochs, bs, show = draw(grid((1, 2), range(1, 9), (False, False, False, False, True)))
    seed = draw(st.integers(0, 100))
    rng = rng_of(draw)
    data = tiny_digits(rng)

    def run(**kw):  # 合法的调用（没有改动）用新建的网络
        net, trainer = spare_parts(classes=10, in_units=64) if kw else net_and_trainer(seed, classes=10, in_units=64)
        args = dict(net=net, data=data, num_epochs=epochs, batch_size=bs, ctx=mx.cpu(), seed=seed, show_plot=show,
                    verbose=False, trainer=trainer)
        return d2lutils.train(**{**args, **kw}), net

    def check(r):
        history, net = r
        assert [len(history[k]) for k in ("loss", "train_acc", "test_acc")] == [epochs] * 3
        assert all(math.isfinite(v) and v >= 0 for v in history["loss"])
        expected = (dense_forward(net, data.X_test).argmax(axis=1) == data.y_test).mean()
        assert abs(history["test_acc"][-1] - expected) < 1e-9

    # DigitsSplit 的字段本身有问题（用到时才构造）
    n = len(data.y_train)
    fields = {
        "lengths": (lambda: data._replace(y_train=onp.append(data.y_train, 1)), (f"{n} 个样本", f"{n + 1} 个标签")),
        "list": (lambda: data._replace(X_train=data.X_train.tolist()), ("X", "list")),
        "y2d": (lambda: data._replace(y_test=data.y_test.reshape(-1, 1)), ("y", str((len(data.y_test), 1)))),
        "empty_train": (lambda: tiny_digits(rng, n_train=0), ("空",)),
        "empty_test": (lambda: tiny_digits(rng, n_test=0), ("空",)),
        "object": (lambda: data._replace(X_test=data.X_test.astype(object)), ("X", "object")),
    }
    fields = {k: ([make], only(*words), lambda make: run(data=make())) for k, (make, words) in fields.items()}
    what = f"train n={n}/{len(data.y_test)} epochs={epochs} bs={bs} plot={show}"
    valid = lambda: Case(run, None, check)  # noqa: E731
    if data_only:
        return pick(draw, what, valid, 1, run, fields)
    return pick(draw, what, valid, 1, run, {
        "net": ([None, "lenet"], type_of("net")),
        "data": ([None, tuple(data), {"X_train": data.X_train}, "digits"], type_of("data")),
        "num_epochs": ([0, -1, 1.5, None, "2"], value_of("num_epochs")),
        "batch_size": ([0, -1, 2.5, None], value_of("batch_size")),
        "seed": ([-1, 1.5, "0", None], value_of("seed")),
        "trainer": ([None, "sgd"], type_of("trainer")),
        "ctx": (["cpu", [], 0], value_of("ctx")),
        "loss_fn": (["ce", 1], type_of("loss_fn")),
    }, data_fields=lambda draw: pick(draw, "", None, 0, run, fields))


@st.composite
def lenet_cases(draw):
    act, pool, c = draw(grid(("relu", "sigmoid", "tanh"), ("max", "avg"), range(1, 21)))

    def call():
        net = d2lutils.lenet_digits(c, act, pool)
        net.initialize()
        return net(nd.zeros((2, 1, 8, 8)))

    def check(Y):
        assert Y.shape == (2, c)

    return pick(draw, f"lenet_digits({c}, {act}, {pool})", lambda: Case(call, None, check), 1,
                calling(d2lutils.lenet_digits, num_classes=10), {
                    "activation": (["ReLU", "softmax", None, 1, ["relu"]], value_of("activation")),
                    "pool": (["min", "MAX", None, 2, ["max"]], value_of("pool")),
                    "num_classes": ([0, -1, 1.5, "10", None, True], value_of("num_classes")),
                    "huge": (st.integers(10**11, 10**15), only("GiB"), lambda v: d2lutils.lenet_digits(v)),
                })


@st.composite
def environment_problem_cases(draw):
    # 异常类本身没有输入检查：核对它是 ImportError（导入 d2lutils 时抛出），信息原样保留
    text = draw(st.text(TEXT_CHARS, max_size=20))

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
    msg = draw(st.text(TEXT_CHARS, max_size=10))

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
    **{name: window_cases(name) for name in WINDOW_OPS},
    "describe_devices": no_argument_cases("describe_devices", lambda value, printed: value == [mx.cpu()]
                                          and "CPU" in printed and any("\u4e00" <= ch <= "\u9fff" for ch in printed)),
    "gpu_works": gpu_index_cases("gpu_works"),
    "try_gpu": gpu_index_cases("try_gpu"),
    "try_all_gpus": no_argument_cases("try_all_gpus", lambda value, printed: value == [mx.cpu()]),
    "Conv2D": conv_block("Conv2D"),
    "HybridConv2D": conv_block("HybridConv2D"),
    "edge_data": edge_data_cases(),
    "learn_kernel": learn_kernel_cases(),
    "plot": plot_cases(),
    "show_heatmaps": heatmap_cases(),
    "show_im2col": show_im2col_cases(),
    "show_placement": placement_cases(),
    "use_cjk_font": no_argument_cases("use_cjk_font", lambda value, printed: printed == ""
                                      and (value is None or isinstance(value, str))),
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
# 输入只有几种的名字：hypothesis 试完每一种就停下，不到 200 个例子
FEW_INPUTS = {"describe_devices", "try_all_gpus", "use_cjk_font", "edge_data"}
