"""8x8 手写数字数据：scikit-learn 自带（不需要下载），固定的分层划分，小批量迭代器。"""

from __future__ import annotations

from typing import Iterator, NamedTuple

import mxnet as mx
import numpy as onp


class DigitsSplit(NamedTuple):
    """划分好的手写数字数据（NumPy 数组）：图像 (n, 1, 8, 8)，取值 0~1；标签 (n,) int64。"""

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
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction 应在 0 和 1 之间（不含两端），实际是 {test_fraction!r}。")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype 应为 'float32' 或 'float64'，实际是 {dtype!r}。")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = (digits.images / 16.0).astype(dtype)[:, None, :, :]
    y = digits.target.astype(onp.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_fraction, stratify=y, random_state=seed)
    return DigitsSplit(X_train, y_train, X_test, y_test)


def iter_batches(X: onp.ndarray, y: onp.ndarray, batch_size: int,
                 rng: onp.random.Generator | None = None,
                 ctx: mx.Context | None = None) -> Iterator[tuple[mx.nd.NDArray, mx.nd.NDArray]]:
    """按小批量依次给出 (X, y) 的 ``nd.NDArray``，最后一批可能不满 batch_size。

    X: (n, ...)，y: (n,)。给了 rng（``numpy.random.default_rng(seed)``）就先按它打乱顺序，
    否则按原顺序；打乱只用这个生成器，不碰 MXNet 或 NumPy 的全局随机状态，所以结果可复现。
    ctx 为 None 时数组留在 CPU 上（多设备训练时由 ``split_and_load`` 再分发）。见第 09 课。
    """
    if len(X) != len(y):
        raise ValueError(f"X 有 {len(X)} 个样本，y 有 {len(y)} 个标签，两者应相同。")
    if not (isinstance(batch_size, int) and batch_size >= 1):
        raise ValueError(f"batch_size 应为正整数，实际是 {batch_size!r}。")
    order = rng.permutation(len(X)) if rng is not None else onp.arange(len(X))
    ctx = ctx or mx.cpu()
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield (mx.nd.array(X[idx], ctx=ctx, dtype=X.dtype),
               mx.nd.array(y[idx], ctx=ctx, dtype="float32"))
