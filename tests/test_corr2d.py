"""d2lutils.corr2d（第 01 课）：对照 NumPy float64 参考实现，以及中文错误。"""

import mxnet as mx
import numpy as onp
import pytest
from hypothesis import given, settings, strategies as st
from mxnet import nd, np as mnp

import d2lutils
from oracle import corr2d_ref


@st.composite
def image_and_kernel(draw):
    n_h = draw(st.integers(1, 9))
    n_w = draw(st.integers(1, 9))
    k_h = draw(st.integers(1, n_h))
    k_w = draw(st.integers(1, n_w))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = onp.random.default_rng(seed)
    return rng.standard_normal((n_h, n_w)), rng.standard_normal((k_h, k_w))


@settings(max_examples=40, deadline=None)
@given(image_and_kernel())
def test_matches_float64_oracle(xk):
    X, K = xk
    Y = d2lutils.corr2d(nd.array(X), nd.array(K))
    assert isinstance(Y, mx.nd.NDArray) and not isinstance(Y, mnp.ndarray)
    onp.testing.assert_allclose(Y.asnumpy(), corr2d_ref(X, K), rtol=1e-5, atol=1e-5)


def test_seed_example():
    X = nd.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    K = nd.array([[0, 1], [2, 3]])
    assert d2lutils.corr2d(X, K).asnumpy().tolist() == [[19, 25], [37, 43]]


def test_np_api_returns_np_array():
    X = mnp.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    K = mnp.array([[0, 1], [2, 3]])
    Y = d2lutils.corr2d(X, K)
    assert isinstance(Y, mnp.ndarray)
    assert Y.asnumpy().tolist() == [[19, 25], [37, 43]]


def test_np_api_with_set_np_active():
    from mxnet import npx
    npx.set_np()
    try:
        X = mnp.ones((4, 5))
        Y = d2lutils.corr2d(X, mnp.ones((2, 2)))
        assert isinstance(Y, mnp.ndarray) and Y.shape == (3, 4)
        assert float(Y.sum()) == 48.0
    finally:
        npx.reset_np()


def test_keeps_input_context():
    ctx = mx.cpu(1)
    Y = d2lutils.corr2d(nd.ones((3, 3), ctx=ctx), nd.ones((2, 2), ctx=ctx))
    assert Y.context == ctx


@pytest.mark.parametrize("X_shape, K_shape, words", [
    ((3, 3, 1), (2, 2), ["输入 X", "2 维", "(3, 3, 1)"]),
    ((3, 3), (2,), ["卷积核 K", "2 维", "(2,)"]),
    ((2, 3), (3, 1), ["不能大于", "(3, 1)", "(2, 3)"]),
])
def test_clear_chinese_errors(X_shape, K_shape, words):
    with pytest.raises(ValueError) as info:
        d2lutils.corr2d(nd.zeros(X_shape), nd.zeros(K_shape))
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("X_shape, K_shape, words", [
    ((0, 3), (1, 1), ["输入 X", "空数组", "(0, 3)"]),
    ((3, 3), (1, 0), ["卷积核 K", "空数组", "(1, 0)"]),
    ((3, 3), (), ["卷积核 K", "2 维", "()"]),
])
def test_empty_and_scalar_inputs(X_shape, K_shape, words):
    # 空数组和零维数组只在 NumPy 语义（npx.set_np()）下存在
    from mxnet import npx
    npx.set_np()
    try:
        with pytest.raises(ValueError) as info:
            d2lutils.corr2d(mnp.zeros(X_shape), mnp.zeros(K_shape))
    finally:
        npx.reset_np()
    for word in words:
        assert word in str(info.value)


def test_rejects_non_arrays():
    with pytest.raises(TypeError, match="MXNet 数组"):
        d2lutils.corr2d([[1, 2], [3, 4]], nd.ones((1, 1)))
