"""训练与评估分类网络：准确率、（可多设备的）小批量训练步、每个迭代周期打印一行并在最后画图的训练循环。"""

from __future__ import annotations

from typing import Sequence

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon
from mxnet.gluon import nn

from ._arrays import as_nd, check_block, check_context, check_int, check_memory
from .data import DigitsSplit, iter_batches


def _as_ctx_list(ctx: mx.Context | Sequence[mx.Context]) -> list[mx.Context]:
    try:
        ctxs = [ctx] if isinstance(ctx, mx.Context) else list(ctx)
    except TypeError:  # 既不是设备也不能迭代
        ctxs = []
    if not ctxs or not all(isinstance(c, mx.Context) for c in ctxs):
        raise ValueError(f"ctx 应为一个设备（如 mx.cpu()）或设备列表，实际是 {ctx!r}。")
    return ctxs


def accuracy(y_hat: mx.nd.NDArray, y: mx.nd.NDArray) -> int:
    """预测正确的样本数：y_hat (n, 类别数) 每行取最大者，与标签 y (n,) 比较。见第 09 课。"""
    y_hat, y = as_nd(y_hat, "预测 y_hat"), as_nd(y, "标签 y")
    if y_hat.ndim != 2 or y.shape != (y_hat.shape[0],) or 0 in y_hat.shape:
        raise ValueError(f"y_hat 应为 (n, 类别数)、y 应为 (n,)（类别数至少为 1），"
                         f"实际形状是 {y_hat.shape} 和 {y.shape}。")
    if y_hat.context != y.context:
        raise ValueError(f"预测 y_hat 在 {y_hat.context} 上，标签 y 却在 {y.context} 上；两者应位于同一设备。")
    return int((y_hat.argmax(axis=1) == y.astype(y_hat.dtype)).sum().asscalar())


def evaluate_accuracy(net: gluon.Block, X: onp.ndarray, y: onp.ndarray,
                      ctx: mx.Context, batch_size: int = 512) -> float:
    """网络在数据集 (X, y) 上的准确率（0~1），在设备 ctx 上按小批量计算。见第 09 课。"""
    check_block(net)
    batches = iter_batches(X, y, batch_size, ctx=check_context(ctx))
    if len(y) == 0:
        raise ValueError(f"数据集是空的（X 的形状为 {X.shape}），无法计算准确率。")
    correct = 0
    for Xb, yb in batches:
        correct += accuracy(net(Xb), yb)
    return correct / len(y)


def train_step(net: gluon.Block, loss_fn: gluon.loss.Loss, trainer: gluon.Trainer,
               X: mx.nd.NDArray, y: mx.nd.NDArray,
               ctx: mx.Context | Sequence[mx.Context],
               num_samples: int | None = None) -> tuple[float, int]:
    """一个小批量的训练步，可在多个设备上数据并行；返回 (损失之和, 预测正确的样本数)。

    用 ``gluon.utils.split_and_load`` 把 X (n, ...)、y (n,) 切成几份分别放到 ctx 中的各设备上，
    各自前向、反向（每个样本的损失都参与求和），再由 ``trainer.step(n)`` 汇总各设备的梯度
    并除以整个小批量的样本数 n —— 结果与在一个设备上处理整个小批量相同。见第 10 课。
    num_samples 是传给 ``trainer.step`` 的样本数，默认为 n；多个工作进程分布式训练时，
    每个进程只拿到小批量的一份，这里传入整个（全局）小批量的样本数（第 10 课最后一节）。
    """
    X, y, ctxs = _check_step_args(net, loss_fn, trainer, X, y, ctx)
    n = X.shape[0]
    used, idle = ctxs[:n], ctxs[n:]  # 样本比设备还少时（最后一个小批量），有的设备分不到样本
    Xs = gluon.utils.split_and_load(X, used, even_split=False)
    ys = gluon.utils.split_and_load(y, used, even_split=False)
    # 分不到样本的设备也要有（为零的）梯度，否则 Trainer 认为它的梯度过期而报错
    idle_data = [(X[:1].as_in_context(c), y[:1].as_in_context(c)) for c in idle]
    with autograd.record():
        outputs = [net(Xi) for Xi in Xs]
        losses = [loss_fn(out, yi) for out, yi in zip(outputs, ys)]
        zeros = [loss_fn(net(Xi), yi) * 0 for Xi, yi in idle_data]
    for l in losses + zeros:
        l.backward()
    trainer.step(n if num_samples is None else num_samples)
    loss_sum = sum(float(l.sum().asscalar()) for l in losses)
    correct = sum(accuracy(out, yi) for out, yi in zip(outputs, ys))
    return loss_sum, correct


def train(net: gluon.Block, data: DigitsSplit, num_epochs: int, batch_size: int,
          trainer: gluon.Trainer, ctx: mx.Context | Sequence[mx.Context],
          seed: int = 0, show_plot: bool = True, verbose: bool = True,
          loss_fn: gluon.loss.Loss | None = None) -> dict[str, list[float]]:
    """训练分类网络 num_epochs 个迭代周期：每个迭代周期打印一行（平均损失、训练准确率、测试准确率），最后画一张图。

    data 来自 ``load_digits_split``；ctx 是一个设备或设备列表（多个设备时数据并行）。
    每个迭代周期的样本顺序由 ``numpy.random.default_rng(seed)`` 打乱，结果可复现。
    打印的数字四舍五入（损失 4 位、准确率 3 位小数），verbose=False 时不打印；
    返回未舍入的各迭代周期的指标。第 09 课把同样的循环写在课里（train_net），第 10 课用这个函数。
    """
    ctxs = _check_train_args(net, data, num_epochs, batch_size, trainer, ctx, seed, loss_fn)
    loss_fn = loss_fn or gluon.loss.SoftmaxCrossEntropyLoss()
    rng = onp.random.default_rng(seed)
    history: dict[str, list[float]] = {"loss": [], "train_acc": [], "test_acc": []}
    n = len(data.y_train)
    for epoch in range(1, num_epochs + 1):
        loss_sum, correct = 0.0, 0
        for X, y in iter_batches(data.X_train, data.y_train, batch_size, rng=rng):
            l, c = train_step(net, loss_fn, trainer, X, y, ctxs)
            loss_sum, correct = loss_sum + l, correct + c
        test_acc = evaluate_accuracy(net, data.X_test, data.y_test, ctxs[0])
        history["loss"].append(loss_sum / n)
        history["train_acc"].append(correct / n)
        history["test_acc"].append(test_acc)
        if verbose:
            print(f"迭代周期 {epoch:2d}，损失 {loss_sum / n:.4f}，"
                  f"训练准确率 {correct / n:.3f}，测试准确率 {test_acc:.3f}", flush=True)
    if show_plot:
        plot_history(history)
    return history


def _check_step_args(net, loss_fn, trainer, X, y, ctx):
    """train_step 的输入检查：返回 (X, y, 设备列表)，X、y 已是 NDArray。"""
    check_block(net)
    _check_trainer(trainer, loss_fn, required=True)
    ctxs = _as_ctx_list(ctx)
    X, y = as_nd(X, "输入 X"), as_nd(y, "标签 y")
    n = X.shape[0] if X.ndim else 0
    if X.ndim < 1 or y.shape != (n,) or n == 0:
        raise ValueError(f"X 应为 (n, ...)、y 应为 (n,)，且 n 至少为 1；实际形状是 {X.shape} 和 {y.shape}。")
    return X, y, ctxs


def _check_train_args(net, data, num_epochs, batch_size, trainer, ctx, seed, loss_fn):
    """train 的输入检查：返回设备列表。"""
    check_block(net)
    if not isinstance(data, DigitsSplit):
        raise TypeError(f"data 应为 load_digits_split() 返回的 DigitsSplit，实际得到的是 {type(data).__name__}。")
    check_int(num_epochs, "迭代周期数 num_epochs", 1)
    check_int(batch_size, "批量大小 batch_size", 1)
    check_int(seed, "随机种子 seed", 0)
    _check_trainer(trainer, loss_fn)
    ctxs = _as_ctx_list(ctx)
    iter_batches(data.X_train, data.y_train, batch_size)  # 先检查数据（形状、类型、样本数）
    iter_batches(data.X_test, data.y_test, batch_size)
    if len(data.y_train) == 0 or len(data.y_test) == 0:
        raise ValueError(f"训练集或测试集是空的（X_train 形状 {data.X_train.shape}，X_test 形状 {data.X_test.shape}）。")
    return ctxs


def _check_trainer(trainer: object, loss_fn: object, required: bool = False) -> None:
    if not isinstance(trainer, gluon.Trainer):
        raise TypeError(f"trainer 应为 gluon.Trainer，实际得到的是 {type(trainer).__name__}。")
    if (required or loss_fn is not None) and not isinstance(loss_fn, gluon.loss.Loss):
        raise TypeError(f"loss_fn 应为 gluon.loss 中的损失（如 SoftmaxCrossEntropyLoss()），"
                        f"实际得到的是 {type(loss_fn).__name__}。")


POOL_LAYERS = {"max": nn.MaxPool2D, "avg": nn.AvgPool2D}


def lenet_digits(num_classes: int = 10, activation: str = "relu",
                 pool: str = "max") -> nn.HybridSequential:
    """为 8x8 手写数字设计的小型 LeNet（未初始化）：输入 (n, 1, 8, 8) → 输出 (n, num_classes)。见第 10 课。

    两个 3x3 卷积层（填充 1）各接一个 2x2、步幅 2 的汇聚层，再接两个全连接层。activation 是
    卷积层和第一个全连接层的激活函数（'relu'、'sigmoid'、'tanh'），pool 为 'max' 或 'avg'。
    第 10 课用默认的 ReLU + 最大汇聚。
    """
    num_classes = check_int(num_classes, "类别数 num_classes", 1)
    check_memory(65 * num_classes, 4, f"输出 {num_classes} 类的全连接层的参数")
    if activation not in ("relu", "sigmoid", "tanh"):
        raise ValueError(f"activation 应为 'relu'、'sigmoid' 或 'tanh'，实际是 {activation!r}。")
    if not isinstance(pool, str) or pool not in POOL_LAYERS:
        raise ValueError(f"pool 应为 'max'（最大汇聚）或 'avg'（平均汇聚），实际是 {pool!r}。")
    Pool = POOL_LAYERS[pool]
    net = nn.HybridSequential()
    net.add(nn.Conv2D(16, kernel_size=3, padding=1, activation=activation),
            Pool(pool_size=2, strides=2),
            nn.Conv2D(32, kernel_size=3, padding=1, activation=activation),
            Pool(pool_size=2, strides=2),
            nn.Dense(64, activation=activation),
            nn.Dense(num_classes))
    return net


def plot_history(history: dict[str, list[float]]) -> None:
    """把 ``train``（或第 09 课的 train_net）返回的各迭代周期的损失和准确率画在一张图上（中文图例）。见第 09 课。"""
    from .plotting import plot

    keys = ("loss", "train_acc", "test_acc")
    if not isinstance(history, dict) or any(k not in history for k in keys):
        raise ValueError(f"history 应为 train() 返回的字典，含有 {keys} 三项，实际是 {history!r:.200}。")
    lengths = {k: len(history[k]) if hasattr(history[k], "__len__") else None for k in keys}
    if None in lengths.values() or len(set(lengths.values())) != 1:
        raise ValueError(f"history 中三项应为长度相同的列表，实际长度是 {lengths}。")
    epochs = list(range(1, len(history["loss"]) + 1))
    plot(epochs, [history["loss"], history["train_acc"], history["test_acc"]],
         xlabel="迭代周期", legend=["训练损失", "训练准确率", "测试准确率"],
         title="训练过程", figsize=(5, 3.2))
