"""启动器的 ``--fork`` 方式（只在本机）：在启动器里导入一次 MXNet，再为每个进程分叉（fork）出一个副本。

不加 ``--fork`` 时，调度器、服务器和每个工作进程各自从头运行命令，各自导入 MXNet：2 核机器上每个约 1.2 秒 CPU，
2 个服务器、2 个工作进程的一次训练光导入就要 6 秒左右，比 LeNet 训练本身还多。加 ``--fork`` 时，启动器先在
自己的进程里导入 d2lutils（连同 MXNet），再用 ``os.fork()`` 为每个角色复制出一个进程：每个进程仍是独立的进程，
有自己的 ``DMLC_*`` 环境变量，经 TCP 与其他进程通信，只是不必再导入一次。分叉之后：

- 调度器和服务器做 MXNet 在 ``import mxnet`` 时为它们做的事（``mxnet/kvstore/kvstore_server.py``）：
  ``mx.kv.KVStoreServer(mx.kv.create('dist')).run()``，训练结束后退出；
- 工作进程像 ``python -m 模块``、``python -c 代码`` 或 ``python 脚本.py`` 那样运行命令（``runpy``）。

两点与各自启动不同，都在这里处理：

- 服务器的一个未初始化变量（见 docs/distributed.md）靠 glibc 的 ``MALLOC_PERTURB_=255`` 和关掉 tcache 绕过，
  而 glibc 只在进程启动时读这两个设置：所以启动器先带着它们重新启动自己（``become_zygote``），
  分叉出的进程随之继承；
- 分叉出的进程不经过解释器的正常退出，而是由这里释放对象（工作进程的 KVStore 在释放时与调度器、服务器告别，
  否则它们会一直等下去）、运行 atexit 函数、刷新输出，再 ``os._exit``。

只用于与启动器相同的 Python 解释器运行的命令；在别的机器上（``-H``）总是各自启动。见第 10 课选读部分。
"""

from __future__ import annotations

import atexit
import builtins
import gc
import os
import runpy
import signal
import sys
import traceback
import warnings
from typing import Callable, NoReturn

FORMS = "python -m 模块 ...、python -c 代码 ... 或 python 脚本.py ..."


def parse_python_command(command: list[str]) -> tuple[str, str, list[str]]:
    """把 ``[python, -m, 模块, 参数...]``、``[python, -c, 代码, ...]``、``[python, 脚本.py, ...]`` 拆成
    (写法 '-m'/'-c'/'脚本', 模块名/代码/脚本路径, 其余参数)；python 必须是启动器自己的解释器。"""
    import shutil

    exe = shutil.which(command[0]) if command else None
    if exe is None or os.path.abspath(exe) != os.path.abspath(sys.executable):
        raise ValueError(f"--fork 只能运行与启动器相同的 Python 解释器（{sys.executable}）的命令，"
                         f"实际命令以 {command[:1]} 开头；去掉 --fork 即可运行任意命令。")
    rest = command[1:]
    if len(rest) >= 2 and rest[0] in ("-m", "-c"):
        return rest[0], rest[1], rest[2:]
    if rest and not rest[0].startswith("-"):
        return "脚本", rest[0], rest[1:]
    raise ValueError(f"--fork 只支持 {FORMS} 这三种写法，实际是 {command}（解释器选项请写进环境变量，"
                     "或去掉 --fork）。")


def become_zygote(argv: list[str]) -> None:
    """让启动器进程成为分叉的起点：由 ``python -m d2lutils.dist.launch`` 启动时，带上 glibc 的设置以
    ``python -c`` 重新启动自己（不返回；这时 ``import d2lutils`` 照常导入 MXNet 和教学函数，而 ``-m`` 启动的
    启动器不导入它们）；重新启动之后返回。glibc 的设置不在时（例如在别的程序里调用 ``launch.main``）给出中文错误。"""
    from d2lutils import compat

    from .launch import TCACHE_OFF, server_malloc_env

    needed = server_malloc_env(os.environ)   # glibc 只在进程启动时读这两个设置
    if compat.started_as_launcher():
        env = {**os.environ, **needed}
        code = "import sys; from d2lutils.dist import launch; sys.exit(launch.main(sys.argv[1:]))"
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, [sys.executable, "-c", code, *argv], env)
    if any(os.environ.get(k) != v for k, v in needed.items()):
        raise ValueError("--fork 要在启动时就有 MALLOC_PERTURB_=255 和 GLIBC_TUNABLES=" + TCACHE_OFF +
                         "（见 docs/distributed.md）：请用 python -m d2lutils.dist.launch --fork ... 启动。")
    compat.prepare()   # 已经导入时什么也不做


class Forked:
    """分叉出的子进程，用法与 ``subprocess.Popen`` 的 ``pid``、``poll()``、``returncode`` 相同。"""

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:   # 已经被回收
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


def fork_command(command: list[str], env: dict[str, str], workdir: str,
                 setup: Callable[[], None]) -> Forked:
    """分叉出一个进程，在其中设好环境变量 env 和工作目录后按 DMLC_ROLE 运行（见模块说明）；返回它的句柄。
    setup 在子进程里最先运行（启动器的 _die_with_parent：新的进程组、随启动器一起结束）。"""
    form, target, args = parse_python_command(command)
    sys.stdout.flush()
    sys.stderr.flush()
    with warnings.catch_warnings():
        # Python 3.12 起，多线程的进程（MXNet 的引擎线程）调用 fork 时发出 DeprecationWarning。MXNet 用
        # pthread_atfork 在分叉前停下、分叉后重启它的引擎；启动器在分叉之前没有做过任何计算
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid:
        return Forked(pid)
    _run_child(form, target, args, env, workdir, setup)


def _run_child(form: str, target: str, args: list[str], env: dict[str, str], workdir: str,
               setup: Callable[[], None]) -> NoReturn:
    code: int = 1
    try:
        setup()
        for sig in (signal.SIGTERM, signal.SIGHUP):   # 启动器的处理函数不属于子进程
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.environ.update(env)
        os.chdir(workdir)
        if env.get("DMLC_ROLE") in ("scheduler", "server"):
            import mxnet as mx   # 已经导入：与 import mxnet 时 MXNet 为调度器和服务器做的相同
            mx.kv.KVStoreServer(mx.kv.create("dist")).run()
        elif form == "-m":
            sys.argv = [target, *args]
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        elif form == "-c":
            sys.argv = ["-c", *args]
            scope = {"__name__": "__main__", "__builtins__": builtins}
            try:
                exec(compile(target, "<string>", "exec"), scope)
            finally:
                scope.clear()
        else:
            sys.argv = [target, *args]
            sys.path[0] = os.path.dirname(os.path.abspath(target))   # 与 python 脚本.py 相同
            runpy.run_path(target, run_name="__main__")
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, (int, type(None))):
            print(e.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            gc.collect()               # 释放 KVStore：工作进程在这里与调度器、服务器告别
            atexit._run_exitfuncs()    # 与正常退出时一样运行 atexit 函数（MXNet 在这里通知引擎退出）
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
