"""d2lutils 的卷积工具（第 05 课与通道、汇聚各课）：对照 NumPy float64 参考实现、有限差分梯度、
MXNet 自己的卷积/汇聚算子，以及两种数组接口、设备和中文错误。"""

import mxnet as mx
import numpy as onp
import pytest
from hypothesis import given, settings, strategies as st
from mxnet import autograd, nd, np as mnp, npx
from mxnet.gluon import nn

import d2lutils
import d2lutils as d2l
from d2lutils import conv as conv_module
from oracle import conv_ref, corr2d_ref, pool_ref

SINGLE = [d2lutils.corr2d_shift, d2lutils.corr2d_im2col, d2lutils.corr2d_rows,
          d2lutils.corr2d_fast]
SETTINGS = settings(max_examples=25, deadline=None)


@st.composite
def conv_case(draw, max_c=3):
    """随机的 (X, K, padding, stride)：X (c_i, h, w)，K (c_o, c_i, k_h, k_w)，窗口放得下。"""
    c_i, c_o = draw(st.integers(1, max_c)), draw(st.integers(1, max_c))
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    k = (draw(st.integers(1, min(5, h + 2 * p[0]))), draw(st.integers(1, min(5, w + 2 * p[1]))))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    rng = onp.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.standard_normal((c_i, h, w)), rng.standard_normal((c_o, c_i) + k), p, s


@st.composite
def pool_case(draw):
    c, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 8)), draw(st.integers(1, 8))
    k = (draw(st.integers(1, min(4, h))), draw(st.integers(1, min(4, w))))
    p = (draw(st.integers(0, k[0] - 1)), draw(st.integers(0, k[1] - 1)))
    # None：不传步幅，用各自的默认（pool2d 为 1，nn.MaxPool2D/AvgPool2D 为窗口大小）
    s = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    rng = onp.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # 互不相同的取值：最大值唯一，有限差分和 MXNet 的梯度约定一致
    X = rng.permutation(c * h * w).reshape((c, h, w)) / 7.0 - 1.0
    return X, k, p, s


def close(actual, expected, tol=1e-4):
    actual = actual.asnumpy() if hasattr(actual, "asnumpy") else actual
    assert actual.shape == expected.shape
    onp.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


# ---------- 对照 float64 参考实现 ----------

@pytest.mark.parametrize("fn", SINGLE, ids=lambda f: f.__name__)
@SETTINGS
@given(case=conv_case(max_c=1))
def test_single_channel_matches_oracle(fn, case):
    X, K, p, s = case
    Y = fn(nd.array(X[0]), nd.array(K[0, 0]), padding=p, stride=s)
    close(Y, conv_ref(X, K, p, s)[0])


@SETTINGS
@given(case=conv_case(max_c=1))
def test_fast_uses_rows_for_large_problems_and_still_matches(case):
    X, K, p, s = case
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(conv_module, "IM2COL_MAX_ELEMENTS", 0)  # 强制走按行展开的分支
        Y = d2lutils.corr2d_fast(nd.array(X[0]), nd.array(K[0, 0]), padding=p, stride=s)
    close(Y, conv_ref(X, K, p, s)[0])


def test_fast_chooses_by_size(monkeypatch):
    calls = []
    real = conv_module._corr2d_rows_nd
    monkeypatch.setattr(conv_module, "_corr2d_rows_nd", lambda *a: calls.append(1) or real(*a))
    d2lutils.corr2d_fast(nd.ones((8, 8)), nd.ones((3, 3)))
    assert calls == []
    d2lutils.corr2d_fast(nd.ones((300, 300)), nd.ones((3, 3)))
    assert calls == [1]


def test_default_padding_stride_equal_the_loop():
    rng = onp.random.default_rng(1)
    X, K = rng.standard_normal((7, 9)), rng.standard_normal((3, 2))
    for fn in SINGLE:
        close(fn(nd.array(X), nd.array(K)), corr2d_ref(X, K))


@SETTINGS
@given(case=conv_case())
def test_multi_in_matches_oracle(case):
    X, K, p, s = case
    Y = d2lutils.corr2d_multi_in(nd.array(X), nd.array(K[0]), padding=p, stride=s)
    close(Y, conv_ref(X, K[:1], p, s)[0])


@SETTINGS
@given(case=conv_case())
def test_multi_in_out_matches_oracle(case):
    X, K, p, s = case
    close(d2lutils.corr2d_multi_in_out(nd.array(X), nd.array(K), padding=p, stride=s),
          conv_ref(X, K, p, s))


@SETTINGS
@given(case=conv_case())
def test_1x1_matches_oracle(case):
    X, K, p, s = case
    K = K[:, :, :1, :1]
    close(d2lutils.corr2d_multi_in_out_1x1(nd.array(X), nd.array(K), padding=p, stride=s),
          conv_ref(X, K, p, s))


@pytest.mark.parametrize("mode", ["max", "avg"])
@SETTINGS
@given(case=pool_case())
def test_pool2d_matches_oracle(mode, case):
    X, k, p, s = case
    expected = pool_ref(X, k, mode, p, s or (1, 1))   # pool2d 的默认步幅是 1（同 d2l）
    kwargs = {} if s is None else {"stride": s}
    close(d2lutils.pool2d(nd.array(X), k, mode, padding=p, **kwargs), expected)
    close(d2lutils.pool2d(nd.array(X[0]), k, mode=mode, padding=p, **kwargs), expected[0])


def test_im2col_columns_are_flattened_windows():
    X = nd.arange(12).reshape((3, 4))
    cols = d2lutils.im2col(X, (2, 3))
    assert cols.asnumpy().tolist() == [[0, 1, 4, 5], [1, 2, 5, 6], [2, 3, 6, 7],
                                       [4, 5, 8, 9], [5, 6, 9, 10], [6, 7, 10, 11]]
    cols = d2lutils.im2col(nd.stack(X, -X), 2, padding=1, stride=3).asnumpy()
    assert cols.shape == (8, 4) and cols[:4, 0].tolist() == [0, 0, 0, 0]
    # 填充后 5x6，步幅 3：窗口左上角在 (0,0) (0,3) (3,0) (3,3)；第 3 行是各窗口右下角的元素
    assert cols[3].tolist() == [0, 3, 0, 0] and cols[7].tolist() == [0, -3, 0, 0]


# ---------- 与 MXNet 自己的算子和层一致 ----------

@SETTINGS
@given(case=conv_case(max_c=1))
def test_fast_equals_nd_convolution(case):
    X, K, p, s = case
    expected = nd.Convolution(nd.array(X[None]), nd.array(K), kernel=K.shape[2:], pad=p,
                              stride=s, num_filter=1, no_bias=True)
    close(d2lutils.corr2d_fast(nd.array(X[0]), nd.array(K[0, 0]), padding=p, stride=s),
          expected.asnumpy()[0, 0])


@SETTINGS
@given(case=conv_case())
def test_multi_in_out_equals_gluon_conv2d(case):
    X, K, p, s = case
    layer = nn.Conv2D(K.shape[0], kernel_size=K.shape[2:], padding=p, strides=s,
                      in_channels=K.shape[1], use_bias=False)
    layer.initialize()
    layer.weight.set_data(nd.array(K))
    expected = layer(nd.array(X[None])).asnumpy()[0]
    close(d2lutils.corr2d_multi_in_out(nd.array(X), nd.array(K), padding=p, stride=s), expected)


@pytest.mark.parametrize("mode, layer_class", [("max", nn.MaxPool2D), ("avg", nn.AvgPool2D)])
@SETTINGS
@given(case=pool_case())
def test_pool2d_equals_gluon_pooling(mode, layer_class, case):
    X, k, p, s = case
    layer = layer_class(pool_size=k, strides=s, padding=p)  # strides=None：步幅等于窗口
    expected = layer(nd.array(X[None])).asnumpy()[0]
    close(d2lutils.pool2d(nd.array(X), k, mode, padding=p, stride=s or k), expected)


@pytest.mark.parametrize("mode, layer_class", [("max", nn.MaxPool2D), ("avg", nn.AvgPool2D)])
def test_pool2d_default_stride_is_one_unlike_gluon(mode, layer_class):
    X = nd.array(onp.random.default_rng(5).standard_normal((2, 5, 6)))
    ours = d2lutils.pool2d(X, (2, 3), mode)
    assert ours.shape == (2, 4, 4)
    close(ours, layer_class((2, 3), strides=1)(X.expand_dims(axis=0)).asnumpy()[0])
    assert layer_class((2, 3))(X.expand_dims(axis=0)).shape == (1, 2, 2, 2)


@SETTINGS
@given(case=pool_case())
def test_avg_pool_without_padding_in_the_count(case):
    X, k, p, s = case
    layer = nn.AvgPool2D(pool_size=k, strides=s, padding=p, count_include_pad=False)
    expected = layer(nd.array(X[None])).asnumpy()[0]
    onp.testing.assert_allclose(expected, pool_ref(X, k, "avg", p, s, count_include_pad=False),
                                rtol=1e-5, atol=1e-5)
    close(d2lutils.pool2d(nd.array(X), k, "avg", padding=p, count_include_pad=False, stride=s or k),
          expected)


def test_d2l_style_calls():
    X = nd.array([[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]])
    K = nd.array([[[0, 1], [2, 3]], [[1, 2], [3, 4]]])
    assert d2l.corr2d_multi_in(X, K).asnumpy().tolist() == [[56, 72], [104, 120]]
    K3 = nd.stack(K, K + 1, K + 2)
    assert d2l.corr2d_multi_in_out(X, K3).shape == (3, 2, 2)
    # 同 d2l：pool2d(X, (2, 2)) 在 3x3 的输入上逐个位置滑动，得到 2x2
    assert d2l.pool2d(X[0], (2, 2)).asnumpy().tolist() == [[4, 5], [7, 8]]
    assert d2l.pool2d(X[0], (2, 2), 'avg').asnumpy().tolist() == [[2, 3], [5, 6]]
    assert d2l.pool2d(X[0], (2, 2), stride=2).asnumpy().tolist() == [[4]]


# ---------- 梯度：与 float64 中心差分比较 ----------

def numeric_grads(f, arrays, eps=1e-6):
    """f(*arrays) 是标量；返回每个数组的中心差分梯度。"""
    grads = []
    for a in arrays:
        g = onp.zeros_like(a)
        for idx in onp.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + eps
            up = f(*arrays)
            a[idx] = old - eps
            down = f(*arrays)
            a[idx] = old
            g[idx] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def autograd_grads(fn, arrays, W):
    nds = [nd.array(a, dtype="float64") for a in arrays]
    for a in nds:
        a.attach_grad()
    with autograd.record():
        loss = (fn(*nds) * nd.array(W, dtype="float64")).sum()
    loss.backward()
    return [a.grad.asnumpy() for a in nds]


GRAD_SETTINGS = settings(max_examples=6, deadline=None)


@pytest.mark.parametrize("fn", SINGLE, ids=lambda f: f.__name__)
@GRAD_SETTINGS
@given(case=conv_case(max_c=1))
def test_single_channel_gradients(fn, case):
    X, K, p, s = case
    X, K = X[0], K[0, 0]
    W = onp.random.default_rng(0).standard_normal(conv_ref(X[None], K[None, None], p, s)[0].shape)
    expected = numeric_grads(lambda X, K: (conv_ref(X[None], K[None, None], p, s)[0] * W).sum(),
                             [X.copy(), K.copy()])
    for got, want in zip(autograd_grads(lambda X, K: fn(X, K, padding=p, stride=s), [X, K], W),
                         expected):
        close(got, want, tol=1e-6)


@pytest.mark.parametrize("name", ["corr2d_multi_in", "corr2d_multi_in_out",
                                  "corr2d_multi_in_out_1x1"])
@GRAD_SETTINGS
@given(case=conv_case(max_c=2))
def test_multi_channel_gradients(name, case):
    X, K, p, s = case
    fn = getattr(d2lutils, name)
    if name == "corr2d_multi_in":
        K, ref = K[0], lambda X, K: conv_ref(X, K[None], p, s)[0]
    else:
        K = K[:, :, :1, :1] if name.endswith("1x1") else K
        ref = lambda X, K: conv_ref(X, K, p, s)  # noqa: E731
    W = onp.random.default_rng(0).standard_normal(ref(X, K).shape)
    expected = numeric_grads(lambda X, K: (ref(X, K) * W).sum(), [X.copy(), K.copy()])
    for got, want in zip(autograd_grads(lambda X, K: fn(X, K, padding=p, stride=s), [X, K], W),
                         expected):
        close(got, want, tol=1e-6)


@pytest.mark.parametrize("mode, include", [("max", True), ("avg", True), ("avg", False)])
@GRAD_SETTINGS
@given(case=pool_case())
def test_pool2d_gradients(mode, include, case):
    X, k, p, s = case
    s_used = s or (1, 1)  # 不传步幅时 pool2d 用 1
    W = onp.random.default_rng(0).standard_normal(pool_ref(X, k, mode, p, s_used).shape)
    expected = numeric_grads(lambda X: (pool_ref(X, k, mode, p, s_used, include) * W).sum(),
                             [X.copy()])
    kwargs = {} if s is None else {"stride": s}
    got = autograd_grads(lambda X: d2lutils.pool2d(X, k, mode, padding=p, count_include_pad=include,
                                                   **kwargs), [X], W)
    close(got[0], expected[0], tol=1e-6)


# ---------- 两种数组接口、设备 ----------

CALLS = [
    ("corr2d_shift", (5, 6), (2, 3)), ("corr2d_im2col", (5, 6), (2, 3)),
    ("corr2d_rows", (5, 6), (2, 3)), ("corr2d_fast", (5, 6), (2, 3)),
    ("corr2d_multi_in", (2, 5, 6), (2, 2, 3)), ("corr2d_multi_in_out", (2, 5, 6), (3, 2, 2, 3)),
    ("corr2d_multi_in_out_1x1", (2, 5, 6), (3, 2, 1, 1)),
]


def call(name, X, K):
    return getattr(d2lutils, name)(X, K, padding=1, stride=2)


@pytest.mark.parametrize("name, x_shape, k_shape", CALLS, ids=[c[0] for c in CALLS])
def test_array_kinds_and_context(name, x_shape, k_shape):
    rng = onp.random.default_rng(3)
    X, K = rng.standard_normal(x_shape), rng.standard_normal(k_shape)
    Y = call(name, nd.array(X), nd.array(K))
    assert isinstance(Y, nd.NDArray) and not isinstance(Y, mnp.ndarray)
    Yn = call(name, mnp.array(X), mnp.array(K))
    assert isinstance(Yn, mnp.ndarray)
    close(Yn, Y.asnumpy())
    npx.set_np()
    try:
        Ys = call(name, mnp.array(X), mnp.array(K))
        assert isinstance(Ys, mnp.ndarray)
        close(Ys, Y.asnumpy())
    finally:
        npx.reset_np()
    ctx = mx.cpu(1)
    assert call(name, nd.array(X, ctx=ctx), nd.array(K, ctx=ctx)).context == ctx


def test_pool2d_kinds_and_context():
    X = onp.arange(24.0).reshape((2, 3, 4))
    Y = d2lutils.pool2d(nd.array(X), 2, padding=1, stride=2)
    assert type(Y) is nd.NDArray and Y.shape == (2, 2, 3)
    npx.set_np()
    try:
        Ys = d2lutils.pool2d(mnp.array(X), 2, "avg", stride=1)
        assert isinstance(Ys, mnp.ndarray) and Ys.shape == (2, 2, 3)
    finally:
        npx.reset_np()
    assert d2lutils.pool2d(nd.array(X, ctx=mx.cpu(1)), 2).context == mx.cpu(1)


def test_autograd_through_np_arrays():
    npx.set_np()
    try:
        X, K = mnp.ones((4, 4)), mnp.ones((2, 2))
        X.attach_grad()
        K.attach_grad()
        with autograd.record():
            Y = d2lutils.corr2d_fast(X, K)
        Y.backward()
        assert X.grad.asnumpy().tolist()[0] == [1, 2, 2, 1]
        assert K.grad.asnumpy().tolist() == [[9, 9], [9, 9]]
    finally:
        npx.reset_np()


# ---------- 中文错误 ----------

ERRORS = [
    (lambda: d2l.corr2d_fast(nd.ones((3, 3, 1)), nd.ones((2, 2))), ["输入 X", "2 维", "(3, 3, 1)"]),
    (lambda: d2l.corr2d_shift(nd.ones((3, 3)), nd.ones((2,))), ["卷积核 K", "2 维", "(2,)"]),
    (lambda: d2l.corr2d_im2col(nd.ones((2, 3)), nd.ones((5, 1)), padding=1),
     ["不能大于", "(5, 1)", "(4, 5)", "填充"]),
    (lambda: d2l.corr2d_rows(nd.ones((3, 3)), nd.ones((2, 2)), stride=0), ["步幅 stride", "0"]),
    (lambda: d2l.corr2d_fast(nd.ones((3, 3)), nd.ones((2, 2)), padding=-1), ["填充 padding", "-1"]),
    (lambda: d2l.corr2d_fast(nd.ones((3, 3)), nd.ones((2, 2), ctx=mx.cpu(1))), ["cpu(1)", "同一设备"]),
    (lambda: d2l.corr2d_fast(nd.ones((3, 3)), nd.ones((2, 2), dtype="float64")), ["float64", "astype"]),
    (lambda: d2l.corr2d_multi_in(nd.ones((2, 4, 4)), nd.ones((3, 2, 2))),
     ["2 个通道", "3 个输入通道", "(3, 2, 2)"]),
    (lambda: d2l.corr2d_multi_in(nd.ones((4, 4)), nd.ones((1, 2, 2))), ["3 维", "(4, 4)"]),
    (lambda: d2l.corr2d_multi_in_out(nd.ones((2, 4, 4)), nd.ones((2, 2, 2))),
     ["卷积核 K", "4 维", "(输出通道, 输入通道, 高, 宽)"]),
    (lambda: d2l.corr2d_multi_in_out(nd.ones((2, 4, 4)), nd.ones((3, 1, 2, 2))), ["2 个通道", "1 个输入通道"]),
    (lambda: d2l.corr2d_multi_in_out(nd.ones((1, 4, 4)), nd.ones((3, 1, 2, 5))), ["不能大于", "(2, 5)"]),
    (lambda: d2l.corr2d_multi_in_out_1x1(nd.ones((2, 4, 4)), nd.ones((3, 2, 2, 2))), ["(1, 1)", "(3, 2, 2, 2)"]),
    (lambda: d2l.pool2d(nd.ones((4, 4)), 2, mode="min"), ["'max'", "'avg'", "'min'"]),
    (lambda: d2l.pool2d(nd.ones((4, 4)), 5), ["不能大于", "(5, 5)", "(4, 4)"]),
    (lambda: d2l.pool2d(nd.ones((4, 4)), 2, stride=(1, 0)), ["步幅 stride", "(1, 0)"]),
    (lambda: d2l.pool2d(nd.ones((4, 4)), 2, padding=2), ["应小于", "(2, 2)"]),
    (lambda: d2l.pool2d(nd.ones((1, 1, 4, 4)), 2), ["2 维", "3 维", "(1, 1, 4, 4)"]),
    (lambda: d2l.pool2d(nd.ones((4, 4)), 0), ["汇聚窗口", "0"]),
    (lambda: d2l.im2col(nd.ones((4,)), 2), ["2 维", "(4,)"]),
    (lambda: d2l.corr2d_fast(nd.ones((3, 3)), nd.ones((2, 2)), stride=None), ["步幅 stride", "None"]),
    (lambda: d2l.corr2d_fast(nd.ones((3, 3)), nd.ones((2, 2)), padding=1.5), ["填充 padding", "1.5"]),
    (lambda: d2l.pool2d(nd.ones((3, 3)), (2, 2, 2)), ["汇聚窗口", "(2, 2, 2)"]),
    (lambda: d2l.pool2d(nd.ones((3, 3)), True), ["汇聚窗口", "True"]),
    (lambda: d2l.pool2d(nd.ones((4, 4)), 2, stride=None), ["步幅 stride", "None"]),
]


def test_numpy_integers_are_accepted_as_sizes():
    Y = d2l.corr2d_fast(nd.ones((5, 5)), nd.ones((2, 2)), padding=onp.int64(1), stride=(onp.int32(2), 1))
    assert Y.shape == (3, 6)
    assert d2l.pool2d(nd.ones((4, 4)), onp.int64(2), stride=onp.int64(2)).shape == (2, 2)


@pytest.mark.parametrize("fn, words", ERRORS, ids=[f"case{i}" for i in range(len(ERRORS))])
def test_clear_chinese_errors(fn, words):
    with pytest.raises(ValueError) as info:
        fn()
    for word in words:
        assert word in str(info.value)


def test_rejects_non_arrays():
    with pytest.raises(TypeError, match="MXNet 数组"):
        d2l.pool2d([[1, 2], [3, 4]], 1)
    with pytest.raises(TypeError, match="MXNet 数组"):
        d2l.corr2d_multi_in_out(nd.ones((1, 2, 2)), onp.ones((1, 1, 1, 1)))


# ---------- im2col 的图 ----------

# matplotlib 3.9 导入时调用了 pyparsing 已弃用的名字，与本课程无关
@pytest.mark.filterwarnings("ignore::DeprecationWarning:matplotlib.*")
def test_show_im2col_marks_windows_and_columns(monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    assert d2lutils.show_im2col(nd.arange(12).reshape((3, 4)), 2, highlight=(0, 4)) is None
    ax_x, ax_cols = shown[0].axes
    assert ax_x.images[0].get_array().shape == (3, 4)
    assert ax_cols.images[0].get_array().shape == (4, 6)
    boxes = [(p.get_xy(), p.get_width(), p.get_height()) for ax in (ax_x, ax_cols)
             for p in ax.patches if isinstance(p, Rectangle)]
    # 第 4 个窗口（行优先，每行 3 个窗口）左上角在 (1, 1)；展开矩阵中是第 4 列
    assert boxes == [((-0.5, -0.5), 2, 2), ((0.5, 0.5), 2, 2), ((-0.5, -0.5), 1, 4), ((3.5, -0.5), 1, 4)]
    plt.close("all")


def test_im2col_kinds_and_context():
    X = onp.arange(24.0).reshape((2, 3, 4))
    cols = d2lutils.im2col(nd.array(X), 2, padding=1)
    assert type(cols) is nd.NDArray and cols.shape == (8, 20)
    npx.set_np()
    try:
        cols_np = d2lutils.im2col(mnp.array(X[0]), (2, 3), stride=(1, 2))
        assert isinstance(cols_np, mnp.ndarray) and cols_np.shape == (6, 2)
    finally:
        npx.reset_np()
    assert d2lutils.im2col(nd.array(X, ctx=mx.cpu(1)), 2).context == mx.cpu(1)
