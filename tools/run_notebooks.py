"""在全新内核里从上到下运行笔记本，并把输出确定地写回文件。

用法（在课程环境里）：
    python tools/run_notebooks.py                 # 所有笔记本
    python tools/run_notebooks.py notebooks/01_corr2d.ipynb

同一台机器运行两次得到完全相同的字节：不记录计时元数据，执行编号为 1..N，
内核的 C 层 stderr 不被捕获（nbval 也捕获不到它，见 docs/maintainers.md），
PYTHONHASHSEED 固定为 0（与测试命令相同，见 conftest.py）。
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
os.environ["PYTHONHASHSEED"] = "0"

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellExecutionError  # noqa: E402
from traitlets.config import Config  # noqa: E402


def merge_streams(outputs: list) -> list:
    """把相邻的同名 stream 输出合并成一个。

    内核何时把 stdout 刷新成一条消息取决于时机，同样的打印有时存成一段、有时存成几段；
    合并后存储的字节与时机无关（nbval 比较前本来也会合并它们）。
    """
    merged: list = []
    for out in outputs:
        if (out.output_type == "stream" and merged and merged[-1].output_type == "stream"
                and merged[-1].name == out.name):
            merged[-1].text += out.text
        else:
            merged.append(out)
    return merged


def _relative_paths(text: str) -> str:
    """错误回溯里的绝对路径（本仓库、虚拟环境）换成与机器无关的写法。"""
    return text.replace(sys.prefix, "<venv>").replace(str(ROOT), ".")


def normalize(nb: nbformat.NotebookNode) -> None:
    """去掉随机器变化的元数据和输出细节，使存储的 JSON 稳定。"""
    from notebook_metadata import normalize_metadata  # tools/ 里的模块（本脚本所在目录）

    normalize_metadata(nb.metadata)  # JupyterLab 写入的形式，只是没有随 Python 版本变化的版本号
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        if cell.cell_type != "code":
            continue
        cell.outputs = merge_streams(cell.outputs)
        for out in cell.outputs:
            # 控件的状态不存储（上面去掉了 metadata.widgets），存下的控件视图只会显示“找不到模型”；
            # 同一个输出里的其他表示（交互探索器的 PNG 图和文字）照常存储。
            if "data" in out and len(out.data) > 1:
                out.data.pop(WIDGET_VIEW, None)
            if out.output_type == "error":
                out.traceback = [_relative_paths(line) for line in out.traceback]


def write_atomically(nb: nbformat.NotebookNode, path: Path) -> None:
    """把 nb 写到 path：先写同一目录下的临时文件，再 os.replace 换上去。

    中途出错或被 Ctrl-C 打断时，原文件一个字节也不变，临时文件也被删掉；
    os.replace 在同一文件系统上是原子的，所以读者只会看到旧文件或完整的新文件。
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            nbformat.write(nb, f)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


class RegenFailed(Exception):
    """某个单元格运行出错：笔记本没有被改动。"""


def run(path: Path, timeout: int = 600) -> None:
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="regen-", ignore_cleanup_errors=True) as sockets:
        _execute(nb, path, timeout, sockets)
    normalize(nb)
    nbformat.validate(nb)
    write_atomically(nb, path)
    print(f"已运行并保存：{_shown(path)}")


def _execute(nb: nbformat.NotebookNode, path: Path, timeout: int, sockets: str) -> None:
    config = Config()
    # 内核与本进程之间用 Unix 套接字（IPC，放在短路径的临时目录里）通信，而不是本机 TCP 端口：
    # ipykernel 只在 TCP 上打印“Kernel is running over TCP without encryption”警告，每个笔记本一次
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = os.path.join(sockets, "kernel")
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
        extra_arguments=["--IPKernelApp.capture_fd_output=False"], config=config,
    )
    # Ctrl-C：nbclient 在主线程里会自己处理 SIGINT（请内核正常退出，而内核正忙，回溯和内核的报错
    # 一起打印出来），所以在另一个线程里运行它。主线程收到 Ctrl-C 后直接结束内核（它在自己的进程组里，
    # 收不到终端的 SIGINT；这次运行的结果反正要丢弃），等 nbclient 清理完毕后报告“已中断”。
    interrupted: list[bool] = []
    failure: list[BaseException] = []

    def stop_if_interrupted(**_):
        if interrupted:
            raise _Stopped()

    def work():
        try:
            client.execute()
        except BaseException as err:  # 交给主线程处理
            failure.append(err)

    client.on_cell_start = stop_if_interrupted
    worker = threading.Thread(target=work, name="regen", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        interrupted.append(True)
        client.shutdown_kernel = "immediate"
        pgid = getattr(getattr(client.km, "provisioner", None), "pgid", None)
        if pgid:
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)
        worker.join()  # 再按一次 Ctrl-C 立即退出
    if interrupted:
        raise KeyboardInterrupt
    if not failure:
        return
    err = failure[0]
    if isinstance(err, CellExecutionError):
        index = next((i for i, c in enumerate(nb.cells, 1) if c.cell_type == "code"
                      and any(o.output_type == "error" for o in c.get("outputs", []))), None)
        where = f"第 {index} 个单元格" if index else "某个单元格"
        raise RegenFailed(f"{_shown(path)} 的{where}出错（{err.ename}: {err.evalue}），"
                          f"文件没有改动。") from err
    raise err


class _Stopped(Exception):
    """收到 Ctrl-C 后不再运行下一个单元格。"""


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    try:
        for path in paths:
            run(path)
    except RegenFailed as err:
        print(f"重新生成失败：{err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断（Ctrl-C）：正在运行的笔记本没有改动。", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
