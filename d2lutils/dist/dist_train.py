"""第 10 课最后一节的训练脚本：在手写数字上训练 LeNet（float64），一个进程，或 N 个工作进程。

一个进程：``python -m d2lutils.dist.dist_train --out 结果目录``。
N 个工作进程（MXNet 自己的参数服务器，由 ``d2lutils.dist.launch`` 启动调度器、服务器和工作进程）::

    python -m d2lutils.dist.launch -n 2 -s 1 -- python -m d2lutils.dist.dist_train --kvstore dist_sync --out 结果目录

调度器和服务器也运行这同一条命令：``import mxnet`` 时它们读到 ``DMLC_ROLE``，进入服务循环，
工作进程全部结束后退出，不会执行下面的训练代码（加 ``--fork`` 时启动器只导入一次 MXNet，再为每个进程分叉，
见 ``forking.py``）。

训练与第 10 课前面单设备的 ``d2lutils.train`` 相同：同样的初始参数（``mx.random.seed(0)``、Xavier）、
同样的小批量顺序（``numpy.random.default_rng(seed)``）、带动量的 SGD。每个全局小批量按工作进程的
编号（rank）切成 N 份，第 r 个进程只计算第 r 份；服务器把各进程的梯度相加后更新参数。
每个工作进程把自己的结果写到 ``结果目录/rank<r>.npz``，``load_result`` 把它们合起来。
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import d2lutils  # noqa: F401  先于 mxnet 导入（numpy.bool 别名）；服务器和调度器在这里进入服务循环
import mxnet as mx
import numpy as onp
from mxnet import gluon, init, nd

from ..data import iter_batches, load_digits_split
from ..training import evaluate_accuracy, lenet_digits, train_step
from .launch import SERVER_PIDS

KVSTORES = ("none", "dist_sync", "dist_async")


def make_net(dtype: str = "float64") -> gluon.nn.HybridSequential:
    """固定种子 0 在 CPU 上初始化 LeNet（Xavier）并立即完成延后初始化，与第 10 课的 make_net 相同。"""
    mx.random.seed(0)
    net = lenet_digits()
    net.cast(dtype)
    net.initialize(init.Xavier(), ctx=mx.cpu())
    net(nd.zeros((1, 1, 8, 8), ctx=mx.cpu(), dtype=dtype))
    return net


def _count_bytes(kv: mx.kv.KVStore, counter: dict[str, int]) -> None:
    """让 kv.pushpull 顺便统计每次推送（梯度）和拉取（参数）的字节数（gluon.Trainer 用的就是 pushpull）。"""
    pushpull = kv.pushpull

    def counting(key, value, out=None, priority=0):
        arrays = lambda a: a if isinstance(a, (list, tuple)) else [a]
        counter["push"] += sum(a.size * a.dtype(0).itemsize for a in arrays(value))
        counter["pull"] += sum(a.size * a.dtype(0).itemsize for a in arrays(out if out is not None else value))
        return pushpull(key, value, out=out, priority=priority)

    kv.pushpull = counting


def server_socket_bytes() -> dict[int, tuple[int, int]]:
    """与本工作进程属于同一次启动的服务器进程：{pid: (TCP 收到的字节数, 发出的字节数)}。

    ps-lite 中工作进程只与调度器和服务器相连（不与其他工作进程相连），所以服务器就是本进程的 TCP 连接另一端的
    进程中，除了本进程和调度器（占用端口 DMLC_PS_ROOT_PORT 的进程）以外的那些。字节数是内核对这些进程的每个
    TCP 连接的计数（``ss -tinp`` 的 bytes_received、bytes_acked），包括 ps-lite 的协议开销，不含重传。
    由本课的启动器（``python -m d2lutils.dist.launch``）在本机启动时，它把服务器的进程号放在环境变量
    ``D2LUTILS_SERVER_PIDS`` 里，这里只数其中与本进程相连的那些：同时还有别的启动时，只靠地址推断实测到过一次
    多算一个进程（第 10 课在测试里与其他启动并行时；原因没有查清，见 docs/distributed.md）。
    只看得到本机上的服务器；没有 ``ss``（iproute2）或不在 Linux 上时返回空字典。
    """
    try:
        text = subprocess.run(["ss", "-tinpH"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    conns = []   # 每个连接：[本端地址, 对端地址, 所属进程, 收到的字节数, 对方确认的发出字节数]
    for line in text.splitlines():
        if not line[:1].isspace():      # 一个连接的第一行：状态、两端的地址、所属进程
            fields = line.split()
            pids = {int(p) for p in re.findall(r"pid=(\d+)", line)}
            conns.append([fields[3], fields[4], pids, 0, 0])
        elif conns:
            # 第二行：计数。发出的字节数用对方确认过的（bytes_acked，不含重传；它把建立连接的 SYN 也算作 1）
            received = re.search(r"\bbytes_received:(\d+)", line)
            acked = re.search(r"\bbytes_acked:(\d+)", line)
            conns[-1][3] = int(received.group(1)) if received else 0
            conns[-1][4] = max(int(acked.group(1)) - 1, 0) if acked else 0
    owners: dict[str, set[int]] = {}     # 本机的地址（IP:端口）-> 占用它的进程
    for local, _, pids, _, _ in conns:
        owners.setdefault(local, set()).update(pids)
    me, root = os.getpid(), os.environ.get("DMLC_PS_ROOT_PORT", "")
    scheduler = set().union(*(pids for address, pids in owners.items() if address.rsplit(":", 1)[1] == root))
    peers = set().union(*(owners.get(peer, set()) for _, peer, pids, _, _ in conns if me in pids))
    servers = peers - {me} - scheduler
    if os.environ.get(SERVER_PIDS):   # 本课的启动器在本机启动时告诉了我们服务器的进程号：只数其中的
        servers &= {int(p) for p in os.environ[SERVER_PIDS].split(",")}
    counts = {pid: [0, 0] for pid in servers}
    for _, _, pids, received, sent in conns:
        for pid in pids & counts.keys():
            counts[pid][0] += received
            counts[pid][1] += sent
    return {pid: (r, s) for pid, (r, s) in counts.items()}


def run(kvstore: str = "none", num_epochs: int = 4, batch_size: int = 32, lr: float = 0.03,
        momentum: float = 0.9, max_steps: int | None = None, seed: int = 0,
        out: str | os.PathLike | None = None) -> dict:
    """训练并返回本进程的结果（各迭代周期的损失之和、预测正确数、步数、每步时间及其中计算和通信各占多少、
    每步推送和拉取的字节数；0 号进程还有测试准确率和参数）。"""
    if kvstore not in KVSTORES:
        raise ValueError(f"kvstore 应为 {KVSTORES} 之一，实际是 {kvstore!r}。")
    if not (isinstance(batch_size, int) and batch_size >= 1):
        raise ValueError(f"batch_size 应为正整数，实际是 {batch_size!r}。")
    kv = None if kvstore == "none" else mx.kv.create(kvstore)
    rank, num_workers = (kv.rank, kv.num_workers) if kv else (0, 1)
    if batch_size < num_workers:
        raise ValueError(f"批量大小 {batch_size} 小于工作进程数 {num_workers}：有的进程分不到样本。")
    counter = {"push": 0, "pull": 0}
    if kv is not None:
        _count_bytes(kv, counter)
    data = load_digits_split(dtype="float64")
    net = make_net()
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr, "momentum": momentum},
                            kvstore=kv)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    # 把每步的时间分成两部分：前向和反向（计算），trainer.step（推送梯度、等服务器更新、拉取参数）
    timing = {"compute": [], "comm": [], "start": 0.0}
    step = trainer.step

    def timed_step(batch_size, ignore_stale_grad=False):
        nd.waitall()
        t = time.perf_counter()
        timing["compute"].append(t - timing["start"])
        step(batch_size, ignore_stale_grad)
        nd.waitall()
        timing["comm"].append(time.perf_counter() - t)

    trainer.step = timed_step
    servers_start: dict[int, tuple[int, int]] = {}
    rng = onp.random.default_rng(seed)
    losses, corrects, test_accs = [], [], []
    steps, step_times = 0, []
    for _ in range(num_epochs):
        loss_sum, correct = 0.0, 0
        for X, y in iter_batches(data.X_train, data.y_train, batch_size, rng=rng):
            if max_steps is not None and steps >= max_steps:
                break
            n = X.shape[0]
            lo, hi = n * rank // num_workers, n * (rank + 1) // num_workers
            # 服务器上的优化器在第一次更新时记下 1/batch_size，之后不能再变（gluon.Trainer 会报错）。
            # 所以总是 step(batch_size)；不满的小批量（n 个样本）给每个样本的损失乘上权重，使梯度乘上的
            # 系数与 step(n) 完全相同：优化器算子以 float32 接收这个系数（rescale_grad），step(n) 实际乘的是
            # float32(1/n)，于是权重取 float32(1/n) / float32(1/batch_size)（满的小批量时正好是 1）。
            # 分不到样本的进程用一个权重为 0 的样本，推送全为 0 的梯度。
            weight = (float(onp.float32(1 / n)) / float(onp.float32(1 / batch_size))) if hi > lo else 0.0
            fn = loss_fn if weight == 1.0 else gluon.loss.SoftmaxCrossEntropyLoss(weight=weight)
            Xr, yr = (X[lo:hi], y[lo:hi]) if hi > lo else (X[:1], y[:1])
            timing["start"] = time.perf_counter()
            l, c = train_step(net, fn, trainer, Xr, yr, mx.cpu(), num_samples=batch_size)
            step_times.append(time.perf_counter() - timing["start"])
            if hi > lo:
                loss_sum, correct = loss_sum + l / weight, correct + c
            steps += 1
            if steps == 1 and kv is not None and rank == 0:   # 服务器收到初始参数之后才开始计数
                servers_start = server_socket_bytes()
        losses.append(loss_sum)
        corrects.append(correct)
        if rank == 0:
            test_accs.append(evaluate_accuracy(net, data.X_test, data.y_test, mx.cpu()))
    nd.waitall()
    # 每步时间取各步的第 10 百分位数（不计第一步：它包含把初始参数发给服务器和预热）：机器上其他任务的负载
    # 只会让一步变慢，较快的那些步最接近空闲机器上的时间
    med = lambda xs: float(onp.percentile(xs[1:], 10)) if len(xs) > 1 else float("nan")
    result = {"rank": rank, "num_workers": num_workers, "steps": steps, "step_time": med(step_times),
              "compute_time": med(timing["compute"]), "comm_time": med(timing["comm"]),
              "loss_sum": onp.array(losses), "correct": onp.array(corrects),
              "bytes_push": counter["push"] / max(steps, 1), "bytes_pull": counter["pull"] / max(steps, 1)}
    if servers_start:
        # 每个服务器每步收到、发出的字节数（第 2 步到最后一步的平均），按收到的字节数从多到少排列
        end = server_socket_bytes()
        per_step = sorted(((end[p][0] - r) / (steps - 1), (end[p][1] - s) / (steps - 1))
                          for p, (r, s) in servers_start.items() if p in end and steps > 1)[::-1]
        result["server_bytes"] = onp.array(per_step).reshape(-1, 2)
    if rank == 0:
        result["test_acc"] = onp.array(test_accs)
        result["params"] = [p.data().asnumpy() for p in net.collect_params().values()]
        result["n_train"] = len(data.y_train)
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        params = result.pop("params", [])
        onp.savez(Path(out) / f"rank{rank}.npz", **result,
                  **{f"param_{i:02d}": p for i, p in enumerate(params)})
        if params:
            result["params"] = params
    return result


def load_result(out: str | os.PathLike) -> dict:
    """合并各工作进程写下的结果：各迭代周期的平均损失、训练准确率、测试准确率、参数列表、每步时间与字节数
    （server_bytes：每个服务器每步实测收到、发出的字节数，没有测到时为空列表）。"""
    files = sorted(Path(out).glob("rank*.npz"))
    if not files:
        raise FileNotFoundError(f"{out} 里没有任何 rank*.npz：训练没有运行完，或结果目录写错了。")
    parts = [dict(onp.load(f)) for f in files]
    num_workers = int(parts[0]["num_workers"])
    if len(parts) != num_workers:
        raise ValueError(f"{out} 里有 {len(parts)} 个工作进程的结果，应为 {num_workers} 个。")
    head = next(p for p in parts if int(p["rank"]) == 0)
    n = int(head["n_train"])
    return {
        "num_workers": num_workers,
        "steps": int(head["steps"]),
        "loss": list(sum(p["loss_sum"] for p in parts) / n),
        "train_acc": list(sum(p["correct"] for p in parts) / n),
        "test_acc": list(head["test_acc"]),
        "params": [head[k] for k in sorted(head) if k.startswith("param_")],
        "step_time": float(head["step_time"]),
        "compute_time": float(head["compute_time"]),
        "comm_time": float(head["comm_time"]),
        "bytes_push": float(head["bytes_push"]),
        "bytes_pull": float(head["bytes_pull"]),
        "server_bytes": head["server_bytes"].tolist() if "server_bytes" in head else [],
    }


def compare(out_a: str | os.PathLike, out_b: str | os.PathLike, tol: float = 1e-9) -> int:
    """打印两个结果目录的各迭代周期损失和参数的最大差别；都在容差 tol 内时返回 0，否则返回 1。"""
    a, b = load_result(out_a), load_result(out_b)
    for name, r in ((out_a, a), (out_b, b)):
        losses = "、".join(f"{x:.4f}" for x in r["loss"])
        print(f"{name}：{r['num_workers']} 个工作进程，{r['steps']} 步，各迭代周期的损失 {losses}")
    shapes_a, shapes_b = [p.shape for p in a["params"]], [p.shape for p in b["params"]]
    if len(a["loss"]) != len(b["loss"]) or shapes_a != shapes_b:
        print(f"两次训练的迭代周期数（{len(a['loss'])} 和 {len(b['loss'])}）或参数的形状"
              f"（{shapes_a} 和 {shapes_b}）不同，无法比较。")
        return 1
    # onp.max 而不是内置的 max：内置的 max 会跳过排在后面的 nan（nan > x 为假），发散的训练也就成了“一致”
    loss_gap = float(onp.max(onp.abs(onp.subtract(a["loss"], b["loss"]))))
    param_gap = float(onp.max([onp.abs(p - q).max() for p, q in zip(a["params"], b["params"])]))
    same = loss_gap < tol and param_gap < tol
    tol_s = f"{tol:g}".replace("e-0", "e-")
    print(f"损失的最大差别 {loss_gap:.1e}，参数的最大差别 {param_gap:.1e}：" +
          (f"在容差 {tol_s} 内一致" if same else f"超出容差 {tol_s}，结果不同"))
    return 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m d2lutils.dist.dist_train", add_help=False,
        description="在手写数字上训练 LeNet（float64）：一个进程，或由 python -m d2lutils.dist.launch "
                    "启动的多个工作进程（MXNet 的分布式 KVStore）。")
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    parser.add_argument("--kvstore", default="none", choices=KVSTORES,
                        help="none：一个进程；dist_sync：同步的分布式训练；dist_async：异步（默认 none）")
    parser.add_argument("--epochs", type=int, default=4, help="迭代周期数（默认 4）")
    parser.add_argument("--batch-size", type=int, default=32, help="全局批量大小，所有工作进程合计（默认 32）")
    parser.add_argument("--lr", type=float, default=0.03, help="学习率（默认 0.03）")
    parser.add_argument("--max-steps", type=int, default=None, help="最多训练多少步（测试和基准用）")
    parser.add_argument("--out", default=None, help="结果目录：每个工作进程写一个 rank<r>.npz")
    parser.add_argument("--compare", nargs=2, metavar=("目录A", "目录B"), default=None,
                        help="不训练，比较两个结果目录：各迭代周期的损失、参数的最大差别（容差 1e-9）")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    res = run(args.kvstore, args.epochs, args.batch_size, args.lr, max_steps=args.max_steps, out=args.out)
    if res["rank"] == 0:
        print(f"工作进程 0（共 {res['num_workers']} 个）完成 {res['steps']} 步", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
