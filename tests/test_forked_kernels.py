"""tests/forked_kernels.py：nbval 用的内核从母进程分叉出来，又与从头启动的内核一样各自独立。"""

import json
import os
import time

import pytest
from jupyter_client.manager import KernelManager

from forked_kernels import KERNEL_NAME, SOCKET_ENV

pytestmark = pytest.mark.skipif(SOCKET_ENV not in os.environ, reason="COURSE_FRESH_KERNELS=1：内核从头启动")

PROBE = ("import json, os, sys; print(json.dumps([sorted(m for m in ('d2lutils', 'mxnet') if m in sys.modules),"
         " os.getcwd(), os.environ.get('COURSE_PROBE'), os.getpid()]))")


def run_probe(tmp_path, **env):
    km = KernelManager(kernel_name=KERNEL_NAME)
    km.start_kernel(cwd=str(tmp_path), env={**os.environ, "COURSE_PROBE": "42", **env})
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        out = []
        kc.execute_interactive(PROBE, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", "")))
        return km, json.loads("".join(out))
    finally:
        kc.stop_channels()


def test_forked_kernel_has_its_own_directory_environment_and_process(tmp_path):
    km, (mods, cwd, probe, pid) = run_probe(tmp_path)
    try:
        assert (mods, cwd, probe) == (["d2lutils", "mxnet"], str(tmp_path), "42")
        assert pid != km.provisioner.process.pid   # 内核是母进程分叉出的进程，不是 client 本身
    finally:
        km.shutdown_kernel(now=True)   # 杀掉 client：内核随之退出
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pid}"), "client 被杀掉后分叉出的内核还在运行"


def test_different_startup_settings_get_a_fresh_kernel(tmp_path):
    # OMP_NUM_THREADS 只在 OpenMP 启动时读：与母进程不同时不能分叉，client 换成普通内核（什么都还没导入）
    threads = "1" if os.environ.get("OMP_NUM_THREADS") != "1" else "2"
    km, (mods, cwd, probe, pid) = run_probe(tmp_path, OMP_NUM_THREADS=threads)
    client_pid = km.provisioner.process.pid   # client 用 exec 换成了内核：同一个进程
    km.shutdown_kernel(now=True)
    assert (mods, cwd, probe, pid) == ([], str(tmp_path), "42", client_pid)
