"""学习卷积核：第 1 课的边缘检测数据，以及用平方损失训练卷积层的循环（第 2-4 课）。"""

from __future__ import annotations

import sys
from typing import Optional

import mxnet as mx
from mxnet import autograd, gluon

from ._arrays import as_nd, check_block, check_context, check_int, check_params_on, check_real
from .conv import corr2d


def edge_data(ctx: Optional[mx.Context] = None) -> tuple[mx.nd.NDArray, mx.nd.NDArray]:
    """边缘检测数据：X (6, 8) 为中间四列是 0 的黑白图像，Y (6, 7) = corr2d(X, [[1, -1]])，都放在 ctx 上。见第 2 课。"""
    if ctx is not None:
        check_context(ctx)
    X = mx.nd.ones((6, 8))
    X[:, 2:6] = 0
    Y = corr2d(X, mx.nd.array([[1, -1]]))
    ctx = ctx or mx.cpu()
    return X.as_in_context(ctx), Y.as_in_context(ctx)


def _check_devices(net: gluon.Block, X: mx.nd.NDArray, Y: mx.nd.NDArray) -> None:
    """X、Y 与 net 的参数不在同一设备上时，给出指明设备的中文错误。"""
    if X.context != Y.context:
        raise ValueError(f"输入 X 在 {X.context} 上，标签 Y 却在 {Y.context} 上；"
                         f"请用 Y.as_in_context(X.context) 把它们放到同一个设备上。")
    check_params_on(net.collect_params(), X.context)


def learn_kernel(net: gluon.Block, X: mx.nd.NDArray, Y: mx.nd.NDArray, num_steps: int = 10,
                 lr: float = 3e-2, trainer: Optional[gluon.Trainer] = None,
                 verbose: bool = True) -> list[float]:
    """用平方损失训练 net 使 net(X) 逼近 Y，共 num_steps 步，返回每步的损失（总和）。见第 2 课，第 3 课详细讲解。

    每一步打印 ``batch N, loss L``（verbose=False 时不打印）。不给 trainer 时与 d2l-zh 第一版 5.1 节的循环相同：
    只更新 ``net.weight``（weight -= lr * grad）；给出 ``gluon.Trainer`` 时用 ``trainer.step(1)``
    更新它管理的全部参数（学习率由 trainer 决定，lr 不起作用）。
    """
    X, Y, num_steps, lr = _check_learn_args(net, X, Y, num_steps, lr, trainer)
    losses = []
    for i in range(num_steps):
        with autograd.record():
            Y_hat = net(X)
            if Y_hat.shape != Y.shape:
                raise ValueError(f"net(X) 的形状是 {Y_hat.shape}，而标签 Y 的形状是 {Y.shape}，两者应相同。")
            l = (Y_hat - Y) ** 2
        l.backward()
        if trainer is None:
            net.weight.data(X.context)[:] -= lr * net.weight.grad(X.context)
        else:
            trainer.step(1)
        losses.append(float(l.sum().asscalar()))
        if verbose:
            print('batch %d, loss %.3f' % (i + 1, losses[-1]))
    return losses


def _check_learn_args(net, X, Y, num_steps, lr, trainer):
    """learn_kernel 的输入检查：返回 (X, Y, num_steps, lr)，X、Y 已是 NDArray。"""
    check_block(net)
    X, Y = as_nd(X, "输入 X"), as_nd(Y, "标签 Y")
    num_steps = check_int(num_steps, "num_steps", 1)
    lr = check_real(lr, "学习率 lr")
    if abs(lr) < sys.float_info.min:  # 非规格化的极小数：MXNet 的标量参数不接受它，效果与 0 相同
        lr = 0.0
    if trainer is not None and not isinstance(trainer, gluon.Trainer):
        raise TypeError(f"trainer 应为 gluon.Trainer 或 None，实际得到的是 {type(trainer).__name__}。")
    if trainer is None and not isinstance(getattr(net, "weight", None), gluon.Parameter):
        raise TypeError(f"{type(net).__name__} 没有名为 weight 的参数，无法手动更新；"
                        "请传入 trainer=gluon.Trainer(net.collect_params(), 'sgd', ...)。")
    _check_devices(net, X, Y)
    return X, Y, num_steps, lr
