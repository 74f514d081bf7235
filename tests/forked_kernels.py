"""测试用的笔记本内核：从一个已经导入了 d2lutils（连同 MXNet）和 ipykernel 的进程分叉（fork）出来。

nbval 为每个笔记本启动一个新内核，课的第一个代码单元格 ``import d2lutils`` 再导入一次 MXNet：每个笔记本约 1.5 秒
CPU，十课约 15 秒，占测试命令的四分之一。这里的做法与第 10 课的 ``launch --fork``（d2lutils/dist/forking.py）
相同：测试开始时启动一个“母进程”（``serve``），它导入一次，然后为每个内核分叉出一个副本。每个笔记本仍有
自己独立的内核进程、自己的工作目录和环境变量，课里的代码照样从第一个单元格运行到最后一个；
只是 ``import d2lutils`` 不必再做一遍（它的副作用在母进程里已经做过，``import`` 只取已载入的模块）。

- 内核规格（kernel.json）的命令是 ``python tests/forked_kernels.py client -f 连接文件``：这个小进程由
  jupyter_client 启动、监视，它把参数、工作目录、环境变量和自己的标准输入输出交给母进程，然后等内核结束，
  把中断和终止信号转给内核。内核在母进程那一端的连接关闭（内核退出）时它也退出；它被杀掉时内核也随之退出。
- 母进程连不上，或者环境里有只在解释器/库启动时才读的设置（PYTHONHASHSEED、MXNET_*、OMP_* ……）与母进程
  不同时，``client`` 直接换成普通的内核（``python -m ipykernel_launcher``），结果不变，只是慢一些。
- 母进程的标准输入是测试进程的管道：测试进程退出（无论怎样退出），它读到文件结束就退出。

``COURSE_FRESH_KERNELS=1 ./course.sh test`` 不用母进程，每个内核从头启动（CI 的完整测试线另有
tests/test_run_all.py 在全新内核里运行每一课）。
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import warnings

SOCKET_ENV = "COURSE_KERNEL_FORKSERVER"
KERNEL_NAME = "course-forked"
# 解释器或已经导入的库只在启动时读的环境变量：与母进程不同时不能分叉，改为普通内核
STARTUP_PREFIXES = ("PYTHON", "MXNET_", "OMP_", "KMP_", "MKL_", "OPENBLAS_", "LD_", "MALLOC_", "GLIBC_",
                    "DNNL_", "CUDA_", "NUMPY_")


# 例外：xdist 的工作进程设了 PYTHONUNBUFFERED=1，它只决定启动时标准输出是否缓冲，而内核的 print 走 ipykernel
# 自己的输出流，与它无关；测试进程导入 scikit-learn 后多出的两个 KMP_* 只对 Intel 的 OpenMP 运行库有效，
# MXNet 用的是 GNU 的 libgomp
NOT_STARTUP = ("PYTHONUNBUFFERED", "KMP_DUPLICATE_LIB_OK", "KMP_INIT_AT_FORK")


def _startup_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(STARTUP_PREFIXES) and k not in NOT_STARTUP}


def write_kernelspec(directory: str) -> None:
    """在 directory/kernels/ 下写内核规格 KERNEL_NAME（把 directory 放进 JUPYTER_PATH 即可使用）。"""
    spec_dir = os.path.join(directory, "kernels", KERNEL_NAME)
    os.makedirs(spec_dir, exist_ok=True)
    spec = {"argv": [sys.executable, os.path.abspath(__file__), "client", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel, forked)", "language": "python", "interrupt_mode": "signal"}
    with open(os.path.join(spec_dir, "kernel.json"), "w", encoding="utf-8") as f:
        json.dump(spec, f)


def serve(path: str) -> None:
    """母进程：导入 d2lutils 与 ipykernel，在 Unix 套接字 path 上为每个连接分叉出一个内核。"""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)   # 先开始监听：导入期间来的内核请求排队等候，不会被拒
    import d2lutils  # noqa: F401  与课的第一个代码单元格做同样的事
    import ipykernel.kernelapp  # noqa: F401
    startup = _startup_env(os.environ)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # 内核退出后由系统回收
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1):   # 测试进程已退出
            return
        if listener in ready:
            conn, _ = listener.accept()
            try:
                request, fds = _receive(conn)
            except (OSError, ValueError):
                conn.close()
                continue
            if _startup_env(request["env"]) != startup or len(fds) != 3:
                conn.sendall(b"0\n")   # 不能分叉：client 改为普通内核
            else:
                _fork_kernel(listener, conn, request, fds)
            for fd in fds:
                os.close(fd)
            conn.close()


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    header, fds, _, _ = socket.recv_fds(conn, 8, 3)
    (size,) = struct.unpack("!Q", header)
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ValueError("连接提前关闭")
        data += chunk
    return json.loads(data), fds


def _fork_kernel(listener: socket.socket, conn: socket.socket, request: dict, fds: list[int]) -> None:
    with warnings.catch_warnings():
        # 与 d2lutils/dist/forking.py 相同：MXNet 用 pthread_atfork 在分叉前后停下、重启它的引擎
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid:
        conn.sendall(f"{pid}\n".encode())
        return
    code = 1
    try:
        listener.close()
        os.setsid()   # 与 jupyter_client 启动的内核一样自成一个会话
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        sys.path[0] = request["cwd"]   # 与 python -m ipykernel_launcher 相同
        # client 结束（被 jupyter_client 杀掉）时，连接的这一端读到文件结束：内核随之退出
        threading.Thread(target=lambda: conn.recv(1) or os._exit(1), daemon=True).start()
        from ipykernel import kernelapp
        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 0
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def client(argv: list[str]) -> None:
    """内核规格的命令：请母进程分叉出内核并等它结束；不能分叉时换成普通内核。"""
    pid = 0
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(os.environ[SOCKET_ENV])
        data = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
        socket.send_fds(sock, [struct.pack("!Q", len(data))], [0, 1, 2])
        sock.sendall(data)
        pid = int(sock.makefile().readline() or 0)
    except (KeyError, OSError, ValueError):
        pass
    if not pid:
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, lambda signum, _frame: os.kill(pid, signum))
    while True:
        try:
            if not sock.recv(1):   # 内核退出，它那一端的连接关闭
                return
        except InterruptedError:
            continue


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        client(sys.argv[2:])
