"""d2lutils.Conv2D / HybridConv2D（第 2 课）和 learn_kernel / edge_data（第 3 课）。

对照 NumPy float64 参考实现检查前向结果，用有限差分检查三个梯度（输入、weight、bias），
并检查两种块（包括 hybridize 之后）都能学到卷积核 [1, -1]。
corr2d_fast 本身的性质测试在 tests/test_conv_toolkit.py 里，这里只测块。
"""

import json

import mxnet as mx
import numpy as onp
import pytest
from hypothesis import given, settings, strategies as st
from mxnet import autograd, gluon, nd
from mxnet.gluon import nn

import d2lutils
from oracle import corr2d_ref

BLOCK_KINDS = ["Conv2D", "HybridConv2D", "HybridConv2D-hybridized"]


def make_block(kind, kernel_size, ctx=None):
    cls = d2lutils.HybridConv2D if kind.startswith("Hybrid") else d2lutils.Conv2D
    net = cls(kernel_size)
    net.initialize(ctx=ctx)
    if kind.endswith("hybridized"):
        net.hybridize()
    return net


@st.composite
def problem(draw):
    """随机的小输入 X、卷积核 W、偏置 b 和损失权重 G（L = sum(G * net(X))）。"""
    n_h, n_w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    k_h, k_w = draw(st.integers(1, n_h)), draw(st.integers(1, n_w))
    rng = onp.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.standard_normal((n_h, n_w))
    W = rng.standard_normal((k_h, k_w))
    b = rng.standard_normal(1)
    G = rng.standard_normal((n_h - k_h + 1, n_w - k_w + 1))
    return X, W, b, G


def loss_ref(X, W, b, G):
    return float(onp.sum(G * (corr2d_ref(X, W) + b[0])))


def finite_diff(f, A, eps=1e-3):
    """f 对 float64 数组 A 每个元素的中心差分。"""
    grad = onp.zeros_like(A)
    for idx in onp.ndindex(A.shape):
        Ap, Am = A.copy(), A.copy()
        Ap[idx] += eps
        Am[idx] -= eps
        grad[idx] = (f(Ap) - f(Am)) / (2 * eps)
    return grad


@pytest.mark.parametrize("kind", BLOCK_KINDS)
@settings(max_examples=15, deadline=None)
@given(p=problem())
def test_forward_and_gradients_match_float64_oracle(kind, p):
    X, W, b, G = p
    net = make_block(kind, W.shape)
    net.weight.set_data(nd.array(W))
    net.bias.set_data(nd.array(b))
    Xn = nd.array(X)
    Xn.attach_grad()
    with autograd.record():
        Y = net(Xn)
        L = (Y * nd.array(G)).sum()
    L.backward()
    onp.testing.assert_allclose(Y.asnumpy(), corr2d_ref(X, W) + b[0], rtol=1e-5, atol=1e-5)
    tol = dict(rtol=1e-4, atol=1e-4)
    onp.testing.assert_allclose(net.weight.grad().asnumpy(),
                                finite_diff(lambda A: loss_ref(X, A, b, G), W), **tol)
    onp.testing.assert_allclose(net.bias.grad().asnumpy(),
                                finite_diff(lambda A: loss_ref(X, W, A, G), b), **tol)
    onp.testing.assert_allclose(Xn.grad.asnumpy(),
                                finite_diff(lambda A: loss_ref(A, W, b, G), X), **tol)


@pytest.mark.parametrize("kind", BLOCK_KINDS)
def test_same_output_as_gluon_conv2d(kind):
    rng = onp.random.default_rng(7)
    X = nd.array(rng.standard_normal((7, 9)))
    W = nd.array(rng.standard_normal((3, 2)))
    net = make_block(kind, (3, 2))
    net.weight.set_data(W)
    net.bias.set_data(nd.array([0.25]))
    conv = nn.Conv2D(1, kernel_size=(3, 2), in_channels=1)
    conv.initialize()
    conv.weight.set_data(W.reshape((1, 1, 3, 2)))
    conv.bias.set_data(nd.array([0.25]))
    expected = conv(X.reshape((1, 1, 7, 9))).reshape((5, 8))
    assert net(X).shape == (5, 8)
    onp.testing.assert_allclose(net(X).asnumpy(), expected.asnumpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", BLOCK_KINDS)
@pytest.mark.parametrize("use_trainer", [False, True])
def test_blocks_learn_the_edge_kernel(kind, use_trainer):
    X, Y = d2lutils.edge_data()
    mx.random.seed(3)
    net = make_block(kind, (1, 2))
    # 用 Trainer 时同时训练 bias：学习率必须小于 2/124.3（见第 03 课），这里取 1e-2
    trainer = (gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 1e-2})
               if use_trainer else None)
    losses = d2lutils.learn_kernel(net, X, Y, num_steps=50, trainer=trainer, verbose=False)
    assert len(losses) == 50 and losses[-1] < losses[0] / 1000
    onp.testing.assert_allclose(net.weight.data().asnumpy(), [[1, -1]], atol=1e-2)
    onp.testing.assert_allclose(net.bias.data().asnumpy(), [0], atol=1e-2)


@pytest.mark.parametrize("kind", BLOCK_KINDS)
def test_trainer_on_weight_only_equals_the_manual_update(kind):
    X, Y = d2lutils.edge_data()
    runs = []
    for use_trainer in (False, True):
        mx.random.seed(0)
        net = make_block(kind, (1, 2))
        trainer = gluon.Trainer([net.weight], "sgd", {"learning_rate": 3e-2}) if use_trainer else None
        runs.append((d2lutils.learn_kernel(net, X, Y, trainer=trainer, verbose=False),
                     net.weight.data().asnumpy()))
    assert runs[0][0] == pytest.approx(runs[1][0], rel=1e-6)
    onp.testing.assert_allclose(runs[0][1], runs[1][1], rtol=1e-6)


def test_training_the_bias_with_lr_3e2_diverges():
    """第 03 课的说法：同时训练 bias 时，损失的 Hessian 最大特征值约为 124.3，学习率 3e-2 > 2/124.3，训练发散。"""
    X, Y = d2lutils.edge_data()
    mx.random.seed(0)
    net = d2lutils.Conv2D((1, 2))
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 3e-2})
    losses = d2lutils.learn_kernel(net, X, Y, trainer=trainer, verbose=False)
    assert losses[-1] > 10 * losses[0]


def test_hybridized_graph_is_our_shift_and_add():
    """hybridize 之后 F 是 mx.sym：计算图由切片、乘法、相加组成，没有 Convolution 算子。"""
    net = d2lutils.HybridConv2D((2, 3))
    net.initialize()
    net.hybridize()
    out = net(mx.sym.var("data"))
    assert isinstance(out, mx.sym.Symbol)
    ops = {node["op"] for node in json.loads(out.tojson())["nodes"]}
    assert "Convolution" not in ops
    assert {"slice", "broadcast_mul", "add_n", "broadcast_add"} <= ops
    assert sorted(out.list_arguments()) == sorted(["data", net.weight.name, net.bias.name])


def test_custom_block_reproduces_the_seed_run():
    """bias 初始化为 0、weight 的初始值与 nn.Conv2D 相同：mx.random.seed(0) 下损失与种子课程一致。"""
    X, Y = d2lutils.edge_data()
    mx.random.seed(0)
    net = d2lutils.Conv2D((1, 2))
    net.initialize()
    losses = d2lutils.learn_kernel(net, X, Y, verbose=False)
    assert [round(v, 3) for v in losses] == [12.080, 4.949, 2.028, 0.831, 0.341,
                                             0.140, 0.057, 0.024, 0.010, 0.004]
    onp.testing.assert_allclose(net.weight.data().asnumpy(), [[0.9895, -0.9873705]], rtol=1e-5)
    assert net.bias.data().asscalar() == 0


def test_learn_kernel_prints_the_seed_format(capsys):
    X, Y = d2lutils.edge_data()
    mx.random.seed(1)
    net = d2lutils.Conv2D((1, 2))
    net.initialize()
    losses = d2lutils.learn_kernel(net, X, Y, num_steps=3)
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["batch %d, loss %.3f" % (i + 1, v) for i, v in enumerate(losses)]


@pytest.mark.parametrize("kind", BLOCK_KINDS)
def test_clear_errors_for_bad_input(kind):
    net = make_block(kind, (2, 3))
    with pytest.raises(ValueError, match=r"2 维.*\(1, 4, 5\)"):
        net(nd.ones((1, 4, 5)))
    with pytest.raises(ValueError, match=r"不能大于.*\(1, 5\)"):
        net(nd.ones((1, 5)))


@pytest.mark.parametrize("bad", [0, (1, 0), (1, 2, 3), "3"])
def test_bad_kernel_size(bad):
    with pytest.raises(ValueError, match="卷积核形状"):
        d2lutils.Conv2D(bad)


def test_edge_data():
    X, Y = d2lutils.edge_data(ctx=mx.cpu(1))
    assert X.context == Y.context == mx.cpu(1)
    assert X.asnumpy().tolist() == [[1, 1, 0, 0, 0, 0, 1, 1]] * 6
    assert Y.asnumpy().tolist() == [[0, 1, 0, 0, 0, -1, 0]] * 6


def test_learn_kernel_errors():
    X, Y = d2lutils.edge_data()
    net = d2lutils.Conv2D((1, 2))
    net.initialize()
    with pytest.raises(ValueError, match=r"形状是 \(6, 7\).*\(6, 6\)"):
        d2lutils.learn_kernel(net, X, Y[:, :6], verbose=False)
    with pytest.raises(ValueError, match="num_steps"):
        d2lutils.learn_kernel(net, X, Y, num_steps=0)
    seq = nn.Sequential()
    seq.add(nn.Dense(1))
    seq.initialize()
    with pytest.raises(TypeError, match="weight"):
        d2lutils.learn_kernel(seq, X, Y)


def test_conv2d_records_only_the_shift_add_of_lesson_02():
    """第 02 课说 Conv2D 用的是平移相加：记录下来的前向计算里只有 slice / broadcast_mul / add_n / broadcast_add，
    没有 im2col、dot 或 Convolution（曾经是 corr2d_fast 的 im2col + dot）。"""
    net = make_block("Conv2D", (2, 3))
    with autograd.record():
        out = net(nd.ones((5, 7)))
    ops = {node["op"] for node in json.loads(autograd.get_symbol(out).tojson())["nodes"]} - {"null"}
    assert ops == {"slice", "broadcast_mul", "add_n", "broadcast_add"}, ops
