"""d2lutils.dist.launch 与 d2lutils.dist.dist_train（第 10 课最后一节）：真实的调度器、服务器和工作进程。

默认运行的测试不启动参数服务器（第 10 课的笔记本在默认测试里真正启动两次），启动器的看管用 sh 进程检查
（杀死一个工作进程后，连同孙进程停止全部进程组）；COURSE_FULL=1 时运行杀死工作进程、超时、
与单进程对照的多进程测试（各自启动和 --fork 分叉两种方式）；COURSE_SLOW=1 时（.ci/run 如此运行）另外运行 2 个服务器、
3 个工作进程 + 2 个服务器的完整 4 个迭代周期的训练。
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as onp
import pytest

from d2lutils.dist import dist_train, launch

PY = sys.executable
LAUNCH = [PY, "-m", "d2lutils.dist.launch"]   # 文档中的写法（这时 import d2lutils 不导入 MXNet）
# 每个进程只用一个线程：2 核机器上同时运行 4~6 个进程，结果不受线程数影响
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MXNET_CPU_WORKER_NTHREADS": "1"}
# 容差：float64 下只有求和顺序不同（服务器把各工作进程的梯度相加，一个进程则一次对所有样本求和），
# 差别在 1e-16 量级，4 个迭代周期后不到 1e-14；算法上的错误（如每个进程求平均、dist_async）带来的
# 差别在 1e-2 以上。若服务器按 float32 相加（MXNet 1.9.1 的未初始化变量，启动器用 MALLOC_PERTURB_
# 和关掉 tcache 绕过），差别约为 1e-7，也会被发现。见第 10 课最后一节。
TOL = 1e-9
slow = pytest.mark.skipif(not os.environ.get("COURSE_SLOW"), reason="较慢的分布式训练测试：设置 COURSE_SLOW=1 运行")


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"   # 已退出、尚未被回收


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().split(")")[-1].split()[1]) == pid:
                    out.append(int(d.name))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return out


def _launch(args, launcher=LAUNCH, **kw):
    return subprocess.run(launcher + args, capture_output=True, text=True, env=ENV, timeout=120, **kw)


def test_launcher_process_does_not_import_mxnet():
    """python -m d2lutils.dist.launch 只管理进程：这时 import d2lutils 不导入 MXNet 和教学函数。"""
    r = subprocess.run([PY, "-X", "importtime", *LAUNCH[1:], "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "用法" in r.stdout, r.stdout + r.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    assert {"d2lutils.dist", "d2lutils.compat"} <= imported
    assert not {m for m in imported if m.split(".")[0] in ("mxnet", "matplotlib")}, sorted(imported)
    from d2lutils import compat
    assert compat.started_as_launcher(["python", "-u", "-m", "d2lutils.dist.launch", "-n", "2"])
    assert not compat.started_as_launcher(["python", "-m", "d2lutils.dist.dist_train", "-m", "d2lutils.dist.launch"])
    assert not compat.started_as_launcher(["python", "-c", "pass", "-m", "d2lutils.dist.launch"])


def test_help_is_chinese(capsys):
    with pytest.raises(SystemExit) as e:
        launch.main(["--help"])
    out = capsys.readouterr().out
    assert e.value.code == 0
    assert out.startswith("用法：") and "工作进程数" in out and "hosts 文件" in out and "--timeout" in out


@pytest.mark.parametrize("args, msg", [
    (["-n", "0", "--", "true"], "工作进程数和服务器数都至少为 1"),
    (["-n", "2"], "没有给出要运行的命令"),
    (["-n", "x", "--", "true"], "参数错误"),
    (["-n", "1", "--fork", "--", "true"], "--fork 只能运行与启动器相同的 Python 解释器"),
    (["-n", "1", "--fork", "--", PY, "-u", "-c", "pass"], "--fork 只支持 python -m 模块"),
    # 在别的程序里调用 main（不是 python -m d2lutils.dist.launch）：不能带上 glibc 的设置重新启动自己
    (["-n", "1", "--fork", "--", PY, "-c", "pass"], "--fork 要在启动时就有 MALLOC_PERTURB_=255"),
])
def test_bad_arguments_give_chinese_errors(args, msg, capsys):
    try:
        rc = launch.main(args)
    except SystemExit as e:
        rc = e.code
    assert rc == 2 and msg in capsys.readouterr().err


def test_fork_only_on_this_machine():
    with pytest.raises(ValueError, match="--fork 只能在本机使用"):
        launch.Launcher([PY, "-c", "pass"], 1, 1, hosts=[("node1", "22")], fork=True)


def test_read_hosts_uses_dmlc_format(tmp_path):
    f = tmp_path / "hosts"
    f.write_text("# 两台机器\nnode1\n\nnode2:2222 slots=4\n")
    assert launch.read_hosts(f) == [("node1", "22"), ("node2", "2222")]
    f.write_text("\n# 空\n")
    with pytest.raises(ValueError, match="没有任何主机"):
        launch.read_hosts(f)


@pytest.mark.full  # 较慢：COURSE_FULL=1 时运行
@pytest.mark.parametrize("fork", [[], ["--fork"]], ids=["exec", "fork"])
def test_dist_sync_two_workers_one_server_equals_one_process(tmp_path, capsys, fork):
    """2 个工作进程 + 1 个服务器（dist_sync）与一个进程的训练：各轮损失和参数在 TOL 内一致。

    批量大小 500：1347 个训练样本每轮是 500、500、347 三步，所以也检查了不满的小批量。
    """
    kw = dict(num_epochs=2, batch_size=500)
    one = dist_train.run("none", **kw, out=tmp_path / "one")
    t0 = time.perf_counter()
    r = _launch(["-n", "2", "-s", "1", *fork, "--timeout", "90", "--", PY, "-m", "d2lutils.dist.dist_train",
                 "--kvstore", "dist_sync", "--epochs", "2", "--batch-size", "500", "--out", str(tmp_path / "two")],
                launcher=LAUNCH)
    elapsed = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr
    assert "全部 2 个工作进程成功结束" in r.stderr, r.stderr
    a, b = dist_train.load_result(tmp_path / "one"), dist_train.load_result(tmp_path / "two")
    assert a["steps"] == b["steps"] == 6 and b["num_workers"] == 2
    assert onp.allclose(a["loss"], one["loss_sum"] / 1347, rtol=0, atol=1e-15)
    assert max(abs(x - y) for x, y in zip(a["loss"], b["loss"])) < TOL
    assert max(float(onp.abs(p - q).max()) for p, q in zip(a["params"], b["params"])) < TOL
    assert a["test_acc"] == b["test_acc"] and a["train_acc"] == b["train_acc"]
    assert dist_train.compare(tmp_path / "one", tmp_path / "two", tol=TOL) == 0
    assert "在容差 1e-9 内一致" in capsys.readouterr().out
    # 每步每个工作进程推送全部梯度、拉取全部参数：LeNet 的 13,706 个 float64
    assert b["bytes_push"] == b["bytes_pull"] == 13706 * 8
    assert a["bytes_push"] == 0
    if shutil.which("ss"):   # 0 号工作进程实测到这次启动的那一个服务器（启动器告诉了它服务器的进程号）
        assert len(b["server_bytes"]) == 1 and b["server_bytes"][0][0] > 13706 * 8, b["server_bytes"]
    print(f"2 个工作进程 + 1 个服务器的训练用时 {elapsed:.1f} 秒")


# 工作进程：连上参数服务器，检查服务器按 float64 相加（各推送 1/3，取回的和应为 float64 的 2/3，
# 而不是按 float32 相加的 0.6666666865…），然后不停地同步 push/pull，直到被杀死
_PUSHPULL_FOREVER = """
import os, d2lutils, mxnet as mx
kv = mx.kv.create('dist_sync')
x = mx.nd.full((1000,), 1 / 3, dtype='float64')
out = mx.nd.zeros((1000,), dtype='float64')
kv.init(0, out)
kv.pushpull(0, x, out=out)
os.write(1, f'ready {kv.rank} {os.getpid()} {float(out.asnumpy()[0])!r}\\n'.encode())  # 一次写完：两个进程共用一个管道，print 可能交错
while True:
    kv.pushpull(0, x, out=out)
    out.wait_to_read()
"""


@pytest.mark.full  # 真实的调度器、服务器和工作进程：COURSE_FULL=1 时运行（第 10 课的笔记本在默认测试里真正训练）
@pytest.mark.parametrize("fork", [[], ["--fork"]], ids=["exec", "fork"])
def test_killing_a_worker_stops_every_process(tmp_path, fork):
    """分叉时也检查服务器按 float64 相加：分叉出的服务器继承启动器重新启动时带上的 glibc 设置。"""
    err_file = open(tmp_path / "stderr.txt", "w+")  # 文件而不是管道：留下的子进程不会让读取一直等下去
    proc = subprocess.Popen(LAUNCH + ["-n", "2", "-s", "1", *fork, "--timeout", "90", "--", PY, "-c", _PUSHPULL_FOREVER],
                            stdout=subprocess.PIPE, stderr=err_file, text=True, env=ENV)
    try:
        pids = {}
        while len(pids) < 2:
            line = proc.stdout.readline()
            assert line, (tmp_path / "stderr.txt").read_text()
            if line.startswith("ready"):
                _, rank, pid, total = line.split()
                pids[int(rank)] = int(pid)
                assert float(total) == 1 / 3 + 1 / 3, f"服务器没有按 float64 相加：{total}"
        children = _children(proc.pid)
        assert len(children) == 4 and set(pids.values()) <= set(children)
        t0 = time.monotonic()
        os.kill(pids[1], signal.SIGKILL)   # 训练中途杀死 1 号工作进程
        rc = proc.wait(timeout=20)
        took = time.monotonic() - t0
        err = (tmp_path / "stderr.txt").read_text()
    finally:
        err_file.close()
        if proc.poll() is None:
            proc.kill()
    assert rc == 1
    assert re.search(r"工作进程 \d（本机，pid \d+）被信号 SIGKILL 终止；正在停止其余 3 个仍在运行的进程", err), err
    assert "已停止全部进程，训练失败" in err
    assert took < 15, took
    assert all(_gone(p) for p in children)


def _wait_for_children(proc: subprocess.Popen, n: int, limit: float = 30) -> list[int]:
    """等启动器 proc 启动 n 个子进程（或它已退出、超过 limit 秒），返回当时看到的子进程。"""
    deadline = time.monotonic() + limit
    while len(_children(proc.pid)) < n and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return _children(proc.pid)


@pytest.mark.full  # 真实的调度器、服务器和工作进程：COURSE_FULL=1 时运行（第 10 课的笔记本在默认测试里真正训练）
@pytest.mark.parametrize("fork", [[], ["--fork"]], ids=["exec", "fork"])
def test_timeout_stops_everything_with_a_chinese_message(tmp_path, fork):
    # 输出写进文件而不是管道：哪个子进程没被停止，下面立刻报出它，而不是等它睡完 60 秒、管道关闭
    err = tmp_path / "stderr.txt"
    t0 = time.monotonic()
    with open(err, "w") as f:
        proc = subprocess.Popen(LAUNCH + ["-n", "2", "-s", "1", *fork, "--timeout", "1.5", "--", PY, "-c",
                                                 "import time; time.sleep(60)"],
                                stdout=subprocess.DEVNULL, stderr=f, env=ENV)
        try:
            children = _wait_for_children(proc, 4)
            rc = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    took = time.monotonic() - t0
    text = err.read_text()
    assert len(children) == 4, children
    assert all(_gone(p) for p in children), f"超时后仍在运行：{[p for p in children if not _gone(p)]}"
    assert rc == 124 and took < 15, (rc, took, text)
    assert "超时：训练在 1.5 秒内没有结束" in text and "调度器、服务器 0、工作进程 0、工作进程 1" in text


def _with_token(token: str) -> list[int]:
    """环境变量里带着 token 的、仍在运行的进程（不算僵尸进程：它们的 environ 读出来是空的）。"""
    found = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and token.encode() in (d / "environ").read_bytes():
                found.append(int(d.name))
        except OSError:   # 已经退出，或是别的用户的进程
            pass
    return found


def test_killed_worker_stops_every_process_group_fast(tmp_path):
    """不启动 MXNet：每个进程都是一个 sh，它再启动一个孙进程 sleep。SIGKILL 一个工作进程之后，
    启动器几秒内以 1 退出、用中文说出是哪个工作进程，并且停止每个进程组（连同孙进程）。"""
    token = f"COURSE_LAUNCH_TEST_{os.getpid()}_{time.monotonic_ns()}"
    # 输出写进文件而不是管道：留下的孙进程拿着管道，读取就要等它睡完 60 秒，测试也就发现不了它
    out, err_file = tmp_path / "roles.txt", tmp_path / "stderr.txt"
    script = 'echo "$DMLC_ROLE $$"; sleep 60 & wait'
    with open(out, "a") as f, open(err_file, "w") as e:
        proc = subprocess.Popen(LAUNCH + ["-n", "2", "-s", "1", "--timeout", "8", "--", "sh", "-c", script],
                                stdout=f, stderr=e, env={**ENV, "COURSE_TEST_TOKEN": token})
    try:
        deadline = time.monotonic() + 20
        while (len(out.read_text().splitlines()) < 4 or len(_with_token(token)) < 9) and time.monotonic() < deadline:
            time.sleep(0.02)
        roles = [line.split() for line in out.read_text().splitlines()]
        assert sorted(r for r, _ in roles) == ["scheduler", "server", "worker", "worker"], roles
        assert len(_with_token(token)) == 9, "启动器 + 4 个 sh + 4 个 sleep"
        victim = [int(pid) for r, pid in roles if r == "worker"][-1]
        t0 = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        rc = proc.wait(timeout=15)
        took = time.monotonic() - t0
        err = err_file.read_text()
        deadline = time.monotonic() + 2   # 给内核一点时间结束刚收到 SIGKILL 的孙进程
        while _with_token(token) and time.monotonic() < deadline:
            time.sleep(0.02)
        left = _with_token(token)
    finally:
        for pid in _with_token(token):   # 测试失败时也不留下进程
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
    assert rc == 1 and took < 5, (rc, took, err)
    assert re.search(rf"工作进程 [01]（本机，pid {victim}）被信号 SIGKILL 终止；正在停止其余 3 个仍在运行的进程", err), err
    assert "已停止全部进程，训练失败" in err
    assert left == [], f"启动器退出后仍在运行（工作进程的孙进程没有被停止）：{left}"


def _sigint_default() -> None:
    # 在后台作业里启动测试时（例如 `./course.sh test &`），shell 让子进程忽略 SIGINT，而被忽略的信号
    # 经 exec 继承下去：启动器也就收不到 Ctrl-C。先恢复默认处理，Python 才会把它变成 KeyboardInterrupt
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_everything():
    proc = subprocess.Popen(LAUNCH + ["-n", "1", "-s", "1", "--", PY, "-c", "import time; time.sleep(60)"],
                            stderr=subprocess.PIPE, text=True, env=ENV, preexec_fn=_sigint_default)
    try:
        children = _wait_for_children(proc, 3)
        assert len(children) == 3
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "收到中断信号" in proc.stderr.read()
    assert all(_gone(p) for p in children)


def test_ssh_mode_builds_the_remote_commands(tmp_path):
    """用一个假的 ssh（在本机用 bash 执行远程命令）检查 ssh 方式：轮流分配主机、传递的环境变量、端口。"""
    fake = tmp_path / "bin" / "ssh"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/bash\necho "$@" >> {tmp_path}/ssh.log\nexec bash -c "${{@: -1}}"\n')
    fake.chmod(0o755)
    hosts = tmp_path / "hosts"
    hosts.write_text("nodeA\nnodeB:2222\n")
    # 一次 os.write 写出整行：几个进程同时写同一个管道时，行与行不会交错
    show = ("import os; e = os.environ; os.write(1, "
            "f\"{e['DMLC_ROLE']} {e.get('DMLC_NODE_HOST', '-')} {e['DMLC_PS_ROOT_URI']}\\n\".encode())")
    env = {**ENV, "PATH": f"{fake.parent}:{os.environ['PATH']}"}
    r = subprocess.run(LAUNCH + ["-n", "2", "-s", "1", "-H", str(hosts), "--host-ip", "10.1.2.3",
                                 "--", PY, "-c", show], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.split("\n")) == sorted(["", "scheduler - 10.1.2.3", "server nodeA 10.1.2.3",
                                                   "worker nodeB 10.1.2.3", "worker nodeA 10.1.2.3"])
    log = (tmp_path / "ssh.log").read_text()
    assert log.count("-tt") == 3 and "-p 2222 nodeB" in log and "export DMLC_NUM_WORKER=2;" in log


def _full_run(tmp_path, workers, servers):
    r = _launch(["-n", str(workers), "-s", str(servers), "--timeout", "300", "--", PY, "-m",
                 "d2lutils.dist.dist_train", "--kvstore", "dist_sync", "--out", str(tmp_path / "dist")])
    assert r.returncode == 0, r.stderr
    dist_train.run("none", out=tmp_path / "one")
    a, b = dist_train.load_result(tmp_path / "one"), dist_train.load_result(tmp_path / "dist")
    assert a["steps"] == b["steps"] == 4 * 43
    assert max(abs(x - y) for x, y in zip(a["loss"], b["loss"])) < TOL
    assert max(float(onp.abs(p - q).max()) for p, q in zip(a["params"], b["params"])) < TOL
    assert a["test_acc"] == b["test_acc"]


@slow
def test_two_servers_full_training(tmp_path):
    _full_run(tmp_path, 2, 2)


@slow
def test_three_workers_two_servers_full_training(tmp_path):
    _full_run(tmp_path, 3, 2)
