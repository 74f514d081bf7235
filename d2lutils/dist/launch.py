"""启动 MXNet 参数服务器训练的全部进程（调度器、服务器、工作进程）并看管它们。见第 10 课最后一节。

    python -m d2lutils.dist.launch -n 2 -s 1 -- python train.py ...            # 在本机
    python -m d2lutils.dist.launch -n 2 -s 1 --fork -- python train.py ...     # 在本机，只导入一次 MXNet（forking.py）
    python -m d2lutils.dist.launch -n 4 -s 2 -H hosts -- python train.py ...   # 用 ssh 在 hosts 中的机器上

与 MXNet 自带的 ``tools/launch.py``（它调用 ``dmlc_tracker``）设置同样的 DMLC_* 环境变量，
沿用 dmlc_tracker 的 hosts 文件格式、服务器和工作进程在各主机上的轮流分配、
``tracker.get_host_ip``（调度器对外的地址）和 ``ssh.sync_dir``（rsync 工作目录）。
另外给服务器设置 MALLOC_PERTURB_=255 并关掉 glibc 的 tcache，绕过 MXNet 1.9.1 服务器的一个未初始化变量（见 docs/distributed.md）。
dmlc_tracker 的进程管理本身不能用：它在守护线程里用 ``subprocess.call`` 启动每个进程而不保留句柄，
在 Python >= 3.9 上因 ``Thread.isAlive`` 崩溃，崩溃后留下仍在运行的进程；工作进程出错时调度器永远等下去。
这里改为自己保留每个进程：每个进程在自己的进程组里，任何一个进程出错、超时、Ctrl-C 或启动器收到
SIGTERM 时，停止（先 SIGTERM，再 SIGKILL）所有启动过的进程组；全部工作进程成功结束后，
等调度器和服务器自行退出。
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# 远程主机上沿用本机值的环境变量（与 dmlc_tracker/ssh.py 的 get_env 相同，去掉了云服务密钥）
_FORWARD_ENV = ("OMP_NUM_THREADS", "KMP_AFFINITY", "LD_LIBRARY_PATH", "DMLC_INTERFACE",
                "MXNET_CPU_WORKER_NTHREADS", "PYTHONPATH")


TCACHE_OFF = "glibc.malloc.tcache_count=0"
SERVER_PIDS = "D2LUTILS_SERVER_PIDS"   # 本机启动时告诉工作进程：这次启动的各服务器的进程号（逗号分隔）


def server_malloc_env(environ) -> dict[str, str]:
    """服务器需要的 glibc 设置（原因见 Launcher._env）：MALLOC_PERTURB_=255，GLIBC_TUNABLES 里关掉 tcache。"""
    tunables = [t for t in environ.get("GLIBC_TUNABLES", "").split(":") if t]
    if TCACHE_OFF not in tunables:
        tunables.append(TCACHE_OFF)
    return {"MALLOC_PERTURB_": "255", "GLIBC_TUNABLES": ":".join(tunables)}


def _say(msg: str) -> None:
    print(f"[launch] {msg}", file=sys.stderr, flush=True)


def free_port(host: str = "") -> int:
    """让操作系统挑一个当前空闲的 TCP 端口（绑定端口 0 后读出端口号）。"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def read_hosts(path: str | os.PathLike) -> list[tuple[str, str]]:
    """读取 hosts 文件（dmlc_tracker 的格式）：每行一个 ``主机[:ssh 端口]``，可带 ``slots=`` 注记，忽略空行和 # 注释。"""
    hosts = []
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].split("slots=", 1)[0].strip()
        if line:
            host, _, port = line.partition(":")
            hosts.append((host, port or "22"))
    if not hosts:
        raise ValueError(f"hosts 文件 {path} 里没有任何主机（每行写一个主机名或 IP，可加 :ssh端口）。")
    return hosts


@dataclass
class Proc:
    role: str   # scheduler / server / worker
    index: int
    host: str
    popen: subprocess.Popen

    @property
    def name(self) -> str:
        zh = {"scheduler": "调度器", "server": "服务器", "worker": "工作进程"}[self.role]
        return zh if self.role == "scheduler" else f"{zh} {self.index}"


def _describe_exit(rc: int) -> str:
    if rc < 0:
        try:
            return f"被信号 {signal.Signals(-rc).name} 终止"
        except ValueError:
            return f"被信号 {-rc} 终止"
    return f"以返回码 {rc} 退出"


def _die_with_parent() -> None:
    """子进程里运行：新的进程组；启动器本身若被 SIGKILL 杀死，内核也向本进程发 SIGKILL（Linux）。"""
    os.setsid()
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class _Stop(Exception):
    pass


class Launcher:
    """启动并看管一次参数服务器训练的全部进程；``run()`` 返回退出码（0 表示全部成功）。"""

    def __init__(self, command: list[str], num_workers: int, num_servers: int,
                 hosts: list[tuple[str, str]] | None = None, timeout: float = 1800,
                 grace: float = 20, host_ip: str | None = None, workdir: str | None = None,
                 env: dict[str, str] | None = None, fork: bool = False):
        if num_workers < 1 or num_servers < 1:
            raise ValueError(f"工作进程数和服务器数都至少为 1，实际是 -n {num_workers} -s {num_servers}。")
        if not command:
            raise ValueError("没有给出要运行的命令（写在 -- 之后，例如 -- python train.py）。")
        if fork:
            if hosts is not None:
                raise ValueError("--fork 只能在本机使用（不能与 -H 一起用）：别的机器上的进程总是各自启动。")
            from .forking import parse_python_command
            parse_python_command(command)   # 不是启动器自己的 Python 运行的命令时给出中文错误
        self.command, self.hosts, self.fork = command, hosts, fork
        self.num_workers, self.num_servers = num_workers, num_servers
        self.timeout, self.grace = timeout, grace
        self.workdir = workdir or os.getcwd()
        self.extra_env = env or {}
        if hosts is None:
            self.root_uri = "127.0.0.1"
        else:
            from dmlc_tracker.tracker import get_host_ip  # 沿用 dmlc_tracker：本机对外的 IP
            self.root_uri = get_host_ip(host_ip or "auto")
        self.root_port = free_port("127.0.0.1" if hosts is None else "")
        self.procs: list[Proc] = []

    def _env(self, role: str, host: str) -> dict[str, str]:
        env = {"DMLC_ROLE": role, "DMLC_PS_ROOT_URI": self.root_uri,
               "DMLC_PS_ROOT_PORT": str(self.root_port),
               "DMLC_NUM_WORKER": str(self.num_workers), "DMLC_NUM_SERVER": str(self.num_servers)}
        if role == "server" and "MALLOC_PERTURB_" not in os.environ:
            # MXNet 1.9.1 的服务器（src/kvstore/kvstore_dist_server.h）从不初始化成员 multi_precision_：
            # 它取到非 0 的垃圾值时，服务器把 float64 的参数和梯度存成 float32、按 float32 相加。
            # glibc 的 MALLOC_PERTURB_=255 让 malloc 分配的内存全为 0；关掉 tcache（它重用刚释放的内存时
            # 不经过这一步），这个开关于是总是关着。
            env.update(server_malloc_env(os.environ))
        if self.hosts is None:
            env["DMLC_INTERFACE"] = "lo"   # 所有进程都在本机，用回环接口
            if role == "worker":
                # 服务器先于工作进程启动：把它们的进程号告诉工作进程，dist_train.server_socket_bytes 据此只数
                # 这次启动的服务器，同时进行的另一次启动的进程不会混进来
                env[SERVER_PIDS] = ",".join(str(p.popen.pid) for p in self.procs if p.role == "server")
        elif role != "scheduler":
            env["DMLC_NODE_HOST"] = host
        env.update(self.extra_env)
        return env

    def _start(self, role: str, index: int, host: str | None, port: str = "22") -> None:
        env = self._env(role, host or "127.0.0.1")
        if host is None and self.fork:  # 本机，从启动器分叉（见 forking.py）
            from .forking import fork_command
            popen = fork_command(self.command, env, self.workdir, _die_with_parent)
        elif host is None:  # 本机
            popen = subprocess.Popen(self.command, env={**os.environ, **env}, cwd=self.workdir,
                                     preexec_fn=_die_with_parent)
        else:
            forward = {k: os.environ[k] for k in _FORWARD_ENV if k in os.environ and k not in env}
            exports = " ".join(f"export {k}={shlex.quote(v)};" for k, v in {**forward, **env}.items())
            remote = f"{exports} cd {shlex.quote(self.workdir)} && exec {shlex.join(self.command)}"
            # -tt：给远程命令分配终端；本地的 ssh 被停止时连接断开，远程进程收到 SIGHUP 随之退出
            cmd = ["ssh", "-tt", "-o", "StrictHostKeyChecking=no", "-o", "BatchMode=yes",
                   "-p", port, host, remote]
            popen = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        self.procs.append(Proc(role, index, host or "本机", popen))

    def stop_all(self, wait: float = 5) -> None:
        """停止所有启动过的进程组：先 SIGTERM，最多等 wait 秒，再 SIGKILL（也清理组里残留的子进程）。"""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for p in self.procs:
                try:
                    os.killpg(p.popen.pid, sig)   # 整个进程组，连同它可能启动的子进程
                except (ProcessLookupError, PermissionError):
                    pass
            deadline = time.monotonic() + (wait if sig == signal.SIGTERM else 5)
            while time.monotonic() < deadline and any(p.popen.poll() is None for p in self.procs):
                time.sleep(0.05)

    def _stop(self, *_):
        raise _Stop()

    def run(self) -> int:
        old = {s: signal.signal(s, self._stop) for s in (signal.SIGTERM, signal.SIGHUP)}
        try:
            return self._run()
        except (KeyboardInterrupt, _Stop):
            _say(f"收到中断信号（Ctrl-C 或 SIGTERM），正在停止全部 {len(self.procs)} 个进程。")
            self.stop_all()
            _say("已停止全部进程。")
            return 130
        finally:
            self.stop_all(wait=2)
            for s, h in old.items():
                signal.signal(s, h)

    def _run(self) -> int:
        start = time.monotonic()
        where = "本机" if self.hosts is None else f"{len(self.hosts)} 台主机"
        _say(f"在{where}启动调度器（{self.root_uri}:{self.root_port}）、{self.num_servers} 个服务器、"
             f"{self.num_workers} 个工作进程。")
        self._start("scheduler", 0, None)
        # 与 dmlc_tracker 的 ssh 方式相同：先服务器后工作进程，依次轮流分配到各主机
        for i in range(self.num_servers + self.num_workers):
            role, idx = ("server", i) if i < self.num_servers else ("worker", i - self.num_servers)
            host, port = self.hosts[i % len(self.hosts)] if self.hosts else (None, "22")
            self._start(role, idx, host, port)
        workers = [p for p in self.procs if p.role == "worker"]
        others = [p for p in self.procs if p.role != "worker"]
        workers_done_at = early_exit_at = None
        while True:
            now = time.monotonic()
            for p in self.procs:
                rc = p.popen.poll()
                if rc not in (None, 0):
                    running = sum(q.popen.poll() is None for q in self.procs)
                    _say(f"{p.name}（{p.host}，pid {p.popen.pid}）{_describe_exit(rc)}；"
                         f"正在停止其余 {running} 个仍在运行的进程。")
                    self.stop_all()
                    _say("已停止全部进程，训练失败。")
                    return 1
            if workers_done_at is None and all(p.popen.poll() == 0 for p in workers):
                workers_done_at = now
            if workers_done_at is not None:
                if all(p.popen.poll() is not None for p in others):
                    _say(f"全部 {self.num_workers} 个工作进程成功结束，用时 {now - start:.1f} 秒。")
                    return 0
                if now - workers_done_at > self.grace:
                    _say(f"工作进程都已成功结束，但调度器或服务器 {self.grace:g} 秒后仍未退出，已将它们停止。")
                    self.stop_all()
                    return 0
            elif any(p.popen.poll() is not None for p in others):
                # 调度器和服务器在工作进程告别后就退出，工作进程稍后才结束；等得太久就是出了问题
                early_exit_at = early_exit_at or now
                if now - early_exit_at > self.grace:
                    running = [p.name for p in workers if p.popen.poll() is None]
                    _say(f"调度器或服务器已经退出，但 {'、'.join(running)} {self.grace:g} 秒后仍未结束；"
                         "正在停止全部进程，训练失败。")
                    self.stop_all()
                    return 1
            if self.timeout and now - start > self.timeout:
                running = [p.name for p in self.procs if p.popen.poll() is None]
                _say(f"超时：训练在 {self.timeout:g} 秒内没有结束（--timeout），仍在运行的有 "
                     f"{'、'.join(running)}。正在停止全部进程。常见原因：工作进程连不上调度器"
                     f"（防火墙、DMLC_INTERFACE 选错了网卡），或训练本身比预计的长（调大 --timeout）。")
                self.stop_all()
                _say("已停止全部进程。")
                return 124
            time.sleep(0.05)


class _ZhHelp(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="用法：")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m d2lutils.dist.launch", add_help=False, formatter_class=_ZhHelp,
        usage="%(prog)s -n 工作进程数 [-s 服务器数] [-H hosts 文件] [--timeout 秒] -- 命令 [参数 ...]",
        description="启动 MXNet 参数服务器训练的调度器、服务器和工作进程（都运行同一条命令），\n"
                    "设置 DMLC_* 环境变量，自动挑选空闲端口，并看管这些进程：任何一个进程出错、\n"
                    "超时或按下 Ctrl-C 时，停止全部进程。默认都在本机启动；给出 -H 时用 ssh 在\n"
                    "hosts 文件中的机器上轮流启动服务器和工作进程（调度器在本机）。",
        epilog="例子：\n"
               "  python -m d2lutils.dist.launch -n 2 -s 1 -- python -m d2lutils.dist.dist_train --kvstore dist_sync\n"
               "  python -m d2lutils.dist.launch -n 4 -s 2 -H hosts -- python train.py\n"
               "hosts 文件每行一个主机名或 IP（可加 :ssh端口），需要能免密码 ssh 登录，\n"
               "并且每台机器上在同一路径有同样的代码和 Python 环境（或用 --sync-dst-dir 同步当前目录）。")
    parser._positionals.title = "位置参数"
    parser._optionals.title = "选项"
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    parser.add_argument("-n", "--num-workers", type=int, required=True, help="工作进程数")
    parser.add_argument("-s", "--num-servers", type=int, default=None, help="服务器数（默认与工作进程数相同）")
    parser.add_argument("-H", "--hostfile", default=None, help="hosts 文件；不给时全部进程在本机启动")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="整个训练最多运行多少秒，超时则停止全部进程（默认 1800；0 表示不限）")
    parser.add_argument("--grace", type=float, default=20,
                        help="工作进程结束后，等调度器和服务器自行退出的秒数（默认 20）")
    parser.add_argument("--host-ip", default=None, help="用 ssh 时调度器的 IP（默认自动判断本机对外的 IP）")
    parser.add_argument("--sync-dst-dir", default=None,
                        help="用 ssh 时，先用 rsync 把当前目录同步到各主机的这个目录，并在那里运行命令")
    parser.add_argument("--fork", action="store_true",
                        help="只在本机：启动器先导入一次 MXNet，再为每个进程分叉（fork）出一个副本，省去每个进程"
                             "各自导入 MXNet 的时间；命令须是 python -m 模块、python -c 代码或 python 脚本.py")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="要运行的命令（写在 -- 之后）")

    def error(message: str):
        parser.print_usage(sys.stderr)
        _say(f"参数错误：{message}（运行 python -m d2lutils.dist.launch --help 查看用法）")
        sys.exit(2)
    parser.error = error
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    try:
        hosts = read_hosts(args.hostfile) if args.hostfile else None
        workdir = None
        if hosts and args.sync_dst_dir:
            from dmlc_tracker.ssh import sync_dir  # 沿用 dmlc_tracker：rsync 当前目录到各主机
            for h in hosts:
                sync_dir(os.getcwd() + "/", h, args.sync_dst_dir)
            workdir = args.sync_dst_dir
        launcher = Launcher(command, args.num_workers, args.num_servers or args.num_workers,
                            hosts=hosts, timeout=args.timeout, grace=args.grace,
                            host_ip=args.host_ip, workdir=workdir, fork=args.fork)
    except (ValueError, OSError) as e:
        _say(f"无法启动：{e}")
        return 2
    if args.fork:
        from .forking import become_zygote
        try:
            become_zygote(list(sys.argv[1:] if argv is None else argv))  # 导入 MXNet；需要时先重新启动自己
        except ValueError as e:
            _say(f"无法启动：{e}")
            return 2
    return launcher.run()


if __name__ == "__main__":
    sys.exit(main())
