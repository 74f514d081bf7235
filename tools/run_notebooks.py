"""在全新内核里从上到下运行笔记本，并把输出确定地写回文件。

用法（在课程环境里）：
    python tools/run_notebooks.py                 # 所有笔记本
    python tools/run_notebooks.py notebooks/01_corr2d.ipynb

同一台机器运行两次得到完全相同的字节：不记录计时元数据，执行编号为 1..N，
内核的 C 层 stderr 不被捕获（nbval 也捕获不到它，见 FACTS.md），
PYTHONHASHSEED 固定为 0（与测试命令相同，见 conftest.py）。
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
os.environ["PYTHONHASHSEED"] = "0"

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402


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


def run(path: Path, timeout: int = 600) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
    )
    client.execute()
    normalize(nb)
    nbformat.validate(nb)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        nbformat.write(nb, f)
    print(f"已运行并保存：{path.relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        run(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
