"""参数服务器训练的速度基准（第 10 课最后一节）：1、2、4 个工作进程每步的时间和推送/拉取的字节数，
每个服务器每步实测收到/发出的字节数；再用一个写明了假设的模型（在实测的每步时间上拟合），
预测 2~16 台机器在 1、10、25、100 Gbit/s 网络上的每步时间（只是每步时间，不是达到目标精度的时间）。

用法（在仓库根目录）：
    ./course.sh bench --dist                   # 约 5 分钟（2 核机器）
    .venv-3.11/bin/python benchmarks/bench_dist.py --steps 100 --repeat 3

每个配置都由 ``python -m d2lutils.dist.launch`` 真正启动调度器、服务器和工作进程，运行
``d2lutils.dist.dist_train``（LeNet、float64、全局批量大小 32、dist_sync），每个进程一个线程。
每步时间由 0 号工作进程测量，取各步的第 10 百分位数（不计第一步：它包含把初始参数发给服务器和预热），
再取几次运行中最小的一个（机器上其他任务的负载只会让时间变长）；“每个工作进程”的字节数是
它每步交给 KVStore 推送（梯度）和拉取（参数）的数组大小，不含协议开销；“每个服务器”的字节数是
服务器进程的 TCP 连接实测收发的字节数（``dist_train.server_socket_bytes``，含协议开销）。
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as onp

import d2lutils  # noqa: F401  先于 mxnet 导入（numpy.bool 别名）
from d2lutils.dist import dist_train

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MXNET_CPU_WORKER_NTHREADS": "1"}
BANDWIDTHS_GBIT = (1, 10, 25, 100)
MACHINES = (1, 2, 4, 8, 16)


def measure(workers: int, servers: int, steps: int, batch_size: int = 32) -> dict:
    """workers = 0 表示一个进程、不用 KVStore；否则用启动器启动 dist_sync 训练。返回 load_result 的结果。"""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "d2lutils.dist.dist_train", "--epochs", "1000", "--max-steps", str(steps),
               "--batch-size", str(batch_size), "--out", out]
        if workers:
            cmd = [sys.executable, "-m", "d2lutils.dist.launch", "-n", str(workers), "-s", str(servers),
                   "--timeout", "600", "--", *cmd, "--kvstore", "dist_sync"]
        r = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
        if r.returncode != 0:
            sys.exit(f"运行失败（{' '.join(cmd)}）：\n{r.stderr}")
        return dist_train.load_result(out)


def main() -> int:
    parser = argparse.ArgumentParser(description="参数服务器训练的速度基准（第 10 课）")
    parser.add_argument("--steps", type=int, default=150, help="每次运行训练多少步（默认 150）")
    parser.add_argument("--repeat", type=int, default=3, help="每个配置轮流运行几次，取最小值（默认 3）")
    args = parser.parse_args()
    # (工作进程数, 服务器数, 全局批量大小)；工作进程数 0 表示一个进程、不用 KVStore
    # 一个进程的批量 32、64、449（1347 = 3*449，没有不满的小批量）用来拟合每步时间与批量的关系
    configs = [(0, 0, 32), (0, 0, 64), (0, 0, 449), (1, 1, 32), (2, 1, 32), (4, 1, 32), (2, 2, 32), (4, 2, 32)]
    print(f"机器：{platform.machine()}，{os.cpu_count()} 核；Python {platform.python_version()}；"
          f"开始时 1 分钟平均负载 {os.getloadavg()[0]:.1f}；每个进程 OMP_NUM_THREADS=1", flush=True)
    t0 = time.perf_counter()
    runs: dict[tuple, list[dict]] = {c: [] for c in configs}
    for _ in range(args.repeat):           # 轮流运行各配置，负载起伏对它们的影响大致相同
        for c in configs:
            runs[c].append(measure(c[0], c[1], args.steps, batch_size=c[2]))
    elapsed = time.perf_counter() - t0
    best = lambda c, k: min(r[k] for r in runs[c])   # 各次运行（每次已取各步的第 10 百分位数）中最小的一个
    P = runs[(1, 1, 32)][0]["bytes_push"]   # 模型参数的字节数：每个工作进程每步推送一份梯度、拉取一份参数

    print(f"\n每次 {args.steps} 步，取各步的第 10 百分位数（不计第一步），每个配置运行 {args.repeat} 次取最小值；"
          f"测量共 {elapsed:.0f} 秒；结束时 1 分钟平均负载 {os.getloadavg()[0]:.1f}\n")
    print("| 配置 | 全局批量 | 每步时间 | 其中前向和反向 | 其中 trainer.step（通信和更新） | 每个工作进程每步推送 / 拉取 | 各服务器每步实测收到 / 发出 |")
    print("|---|---|---|---|---|---|---|")
    for c in configs:
        w, s, b = c
        name = "一个进程（不用 KVStore）" if w == 0 else f"{w} 个工作进程 + {s} 个服务器"
        r0 = runs[c][0]
        traffic = "-" if w == 0 else f"{r0['bytes_push'] / 1e3:.1f} KB / {r0['bytes_pull'] / 1e3:.1f} KB"
        server = "-" if w == 0 else ("；".join(f"{r / 1e3:.1f} KB / {t / 1e3:.1f} KB" for r, t in r0["server_bytes"])
                                      or "没有测到（缺少 ss）")
        print(f"| {name} | {b} | {best(c, 'step_time') * 1e3:.2f} ms | {best(c, 'compute_time') * 1e3:.2f} ms | "
              f"{best(c, 'comm_time') * 1e3:.2f} ms | {traffic} | {server} |")

    # 模型的假设：(1) 一个进程每步时间 = a + c*批量（a 与批量无关）；(2) N 台机器各一个工作进程，平分全局批量，
    # 计算与通信不重叠（gluon.Trainer 在反向结束后才 step）；(3) 参数服务器一步的额外时间 = alpha + N*P*8/带宽
    # （一个服务器的网卡收发 N 份，全双工），alpha 取本机回环测得的值（真实网络的往返更慢，预测偏乐观）；
    # (4) 只预测每步时间：更大的全局批量往往需要更多的迭代周期或调整学习率，这里不计。
    bs = onp.array([32, 64, 449], dtype=float)
    t1 = onp.array([best((0, 0, int(b)), "step_time") for b in bs])
    (a, c1), *_ = onp.linalg.lstsq(onp.stack([onp.ones_like(bs), bs], 1), t1, rcond=None)
    if a < 0:                 # 负的固定开销没有意义（负载造成的噪声）：改为过原点的拟合
        a, c1 = 0.0, float(t1 @ bs / (bs @ bs))
    Ns = onp.array([1, 2, 4], dtype=float)
    extra = onp.array([best((int(n), 1, 32), "step_time") for n in Ns]) - (a + c1 * 32 / Ns)
    (alpha, beta), *_ = onp.linalg.lstsq(onp.stack([onp.ones_like(Ns), Ns * P], 1), extra, rcond=None)
    if alpha < 0:             # 同上：负的固定开销按 0 计，再拟合 beta
        alpha, beta = 0.0, float(extra @ (Ns * P) / ((Ns * P) @ (Ns * P)))
    one = lambda B: a + c1 * B
    worst = max(abs(one(b) - t) / t for b, t in zip(bs, t1))
    print(f"\n拟合（都在实测的每步时间上；P = {P / 1e3:.1f} KB）：")
    print(f"  一个进程：每步 = a + c*批量，a = {a * 1e3:.2f} ms，c = {c1 * 1e6:.1f} us/样本；"
          + "，".join(f"批量 {int(b)} 实测 {t * 1e3:.2f} ms、模型 {one(b) * 1e3:.2f} ms" for b, t in zip(bs, t1)))
    print(f"  N 个工作进程、1 个服务器：每步 = a + c*32/N + alpha + beta*N*P，alpha = {alpha * 1e3:.2f} ms，"
          f"beta*P = {beta * P * 1e3:.2f} ms（本机回环上相当于 {8 / beta / 1e9:.2f} Gbit/s）")
    if worst > 0.2:
        print(f"  注意：一个进程的模型与实测最多差 {worst:.0%}（超过 20%）：机器负载太重，下面的预测不可信，请在空闲的机器上重测。")
    for n in (1, 2, 4):
        print(f"  N={n}：实测 {best((n, 1, 32), 'step_time') * 1e3:.2f} ms，"
              f"模型 {(a + c1 * 32 / n + alpha + beta * n * P) * 1e3:.2f} ms")

    for B in (32, 1024):
        print(f"\n预测（全局批量 {B}）：1 台机器不用参数服务器，每步 = a + c*{B}（= {one(B) * 1e3:.2f} ms）；"
              f"N 台机器各一个工作进程、1 个服务器，每步 = a + c*{B}/N + alpha + N*P*8/带宽。")
        print("每格为每步时间（相对一台机器的每步时间之比；不是达到目标精度的时间之比）：\n")
        print("| 机器数 | " + " | ".join(f"{b} Gbit/s" for b in BANDWIDTHS_GBIT) + " |")
        print("|---|" + "---|" * len(BANDWIDTHS_GBIT))
        for n in MACHINES:
            cells = []
            for b in BANDWIDTHS_GBIT:
                t = one(B) if n == 1 else a + c1 * B / n + alpha + n * P * 8 / (b * 1e9)
                cells.append(f"{t * 1e3:.2f} ms ({one(B) / t:.2f}x)")
            print(f"| {n} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
