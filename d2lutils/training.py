"""训练与评估分类网络：准确率、（可多设备的）小批量训练步、按轮次打印并在最后画图的训练循环。"""

from __future__ import annotations

from typing import Sequence

import mxnet as mx
import numpy as onp
from mxnet import autograd, gluon
from mxnet.gluon import nn

from .data import DigitsSplit, iter_batches


def _as_ctx_list(ctx: mx.Context | Sequence[mx.Context]) -> list[mx.Context]:
    ctxs = [ctx] if isinstance(ctx, mx.Context) else list(ctx)
    if not ctxs or not all(isinstance(c, mx.Context) for c in ctxs):
        raise ValueError(f"ctx 应为一个设备（如 mx.cpu()）或设备列表，实际是 {ctx!r}。")
    return ctxs


def accuracy(y_hat: mx.nd.NDArray, y: mx.nd.NDArray) -> int:
    """预测正确的样本数：y_hat (n, 类别数) 每行取最大者，与标签 y (n,) 比较。见第 09 课。"""
    if y_hat.ndim != 2 or y.shape != (y_hat.shape[0],):
        raise ValueError(f"y_hat 应为 (n, 类别数)、y 应为 (n,)，实际形状是 {y_hat.shape} 和 {y.shape}。")
    return int((y_hat.argmax(axis=1) == y.astype(y_hat.dtype)).sum().asscalar())


def evaluate_accuracy(net: gluon.Block, X: onp.ndarray, y: onp.ndarray,
                      ctx: mx.Context, batch_size: int = 512) -> float:
    """网络在数据集 (X, y) 上的准确率（0~1），在设备 ctx 上按小批量计算。见第 09 课。"""
    correct = 0
    for Xb, yb in iter_batches(X, y, batch_size, ctx=ctx):
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
    ctxs = _as_ctx_list(ctx)
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
    """训练分类网络 num_epochs 轮：每轮打印一行（平均损失、训练准确率、测试准确率），最后画一张图。

    data 来自 ``load_digits_split``；ctx 是一个设备或设备列表（多个设备时数据并行）。
    每轮的样本顺序由 ``numpy.random.default_rng(seed)`` 打乱，结果可复现。
    打印的数字四舍五入（损失 4 位、准确率 3 位小数），verbose=False 时不打印；
    返回未舍入的各轮指标。见第 09、10 课。
    """
    ctxs = _as_ctx_list(ctx)
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
            print(f"轮次 {epoch:2d}，损失 {loss_sum / n:.4f}，"
                  f"训练准确率 {correct / n:.3f}，测试准确率 {test_acc:.3f}", flush=True)
    if show_plot:
        plot_history(history)
    return history


def lenet_digits(num_classes: int = 10) -> nn.HybridSequential:
    """第 09 课为 8x8 手写数字设计的小型 LeNet（未初始化）：输入 (n, 1, 8, 8) → 输出 (n, num_classes)。

    两个 3x3 卷积层（填充 1，ReLU）各接一个 2x2 最大汇聚层，再接两个全连接层。第 10 课也用它。
    """
    net = nn.HybridSequential()
    net.add(nn.Conv2D(16, kernel_size=3, padding=1, activation="relu"),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(32, kernel_size=3, padding=1, activation="relu"),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Dense(64, activation="relu"),
            nn.Dense(num_classes))
    return net


def plot_history(history: dict[str, list[float]]) -> None:
    """把 ``train`` 返回的各轮损失和准确率画在一张图上（中文图例）。见第 09 课。"""
    from .plotting import plot

    epochs = list(range(1, len(history["loss"]) + 1))
    plot(epochs, [history["loss"], history["train_acc"], history["test_acc"]],
         xlabel="轮次（epoch）", legend=["训练损失", "训练准确率", "测试准确率"],
         title="训练过程", figsize=(5, 3.2))
