"""给每个笔记本插入（或更新）统一的开头：Colab 徽章 + 一个设置单元格。

用法（在课程环境里）：
    python tools/notebook_headers.py            # 更新 notebooks/ 下的所有笔记本
    python tools/notebook_headers.py X.ipynb    # 只更新指定的笔记本
    python tools/notebook_headers.py --check    # 只检查：缺少或过时时退出码为 1

两个单元格紧跟在第一个单元格（“# 标题”）之后（标题单元格里若还有别的文字，
它们被拆成标题之后、开头之后的一个单独单元格），用单元格元数据 ``course_header``
标记（"badge" / "setup"），所以脚本能找到并替换它们：运行两次，第二次什么也不改。
仓库地址只写在 pyproject.toml 的 ``[project.urls] Repository``；徽章链接和安装命令
都由它生成。安装的版本取自 requirements.txt（运行课程所需的几个包）和
requirements-gpu.txt（GPU 版，可选）。

设置单元格在 Colab 之外什么也不做、不打印任何东西，所以存储的输出在哪里都一样。
新插入的设置单元格还没有运行过：插入后请用 ``./course.sh regen 笔记本`` 重新生成输出。
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BRANCH = "main"
KEY = "course_header"
# Colab 上只安装运行课程所需的包（不装 jupyterlab、ipykernel 等：Colab 有自己的版本，换掉会出问题）
RUNTIME_PACKAGES = ("numpy", "setuptools", "matplotlib", "scikit-learn")

SETUP_TEMPLATE = '''\
#@title 设置：在 Colab 上安装课程环境（在其他环境中什么也不做）
USE_GPU = False  #@param {{type:"boolean"}}
# 本单元格由 tools/notebook_headers.py 生成，请勿手改。USE_GPU = True：在 Colab 的 GPU
# 运行时（如 T4）上安装 GPU 版 MXNet 和 CUDA 11 运行库（约 2 GB），见 README 的“GPU”一节。
import sys
if "google.colab" in sys.modules:
    import importlib.metadata as _md
    import shutil
    import subprocess
    PINS = {pins}
    CPU_PINS = {cpu_pins}
    GPU_PINS = {gpu_pins}
    SOURCE = {source!r}

    def _version(name):
        try:
            return _md.version(name)
        except _md.PackageNotFoundError:
            return None

    def _pip(*args):
        if subprocess.run([sys.executable, "-m", "pip", *args]).returncode != 0:
            raise RuntimeError("pip 没能完成安装（见上面的信息）。请检查网络，然后重新运行本单元格。")

    if sys.version_info[:2] not in ((3, 11), (3, 12)):
        raise RuntimeError("本课程的 MXNet 1.9.1 只能在 Python 3.11 或 3.12 上运行，而这个 Colab 运行时是 Python "
                           f"{{sys.version_info[0]}}.{{sys.version_info[1]}}。请按 README 在本地运行课程。")
    if USE_GPU and not shutil.which("nvidia-smi"):
        raise RuntimeError("勾选了 USE_GPU，但这个 Colab 运行时没有 GPU。请先在“代码执行程序 → 更改运行时类型”中"
                           "选择 GPU（如 T4），或者取消勾选 USE_GPU 用 CPU 运行。")
    want = {gpu_dist!r} if USE_GPU else "mxnet"
    have = [d for d in ("mxnet", {gpu_dist!r}) if _version(d)]
    loaded = [m for m in ("numpy", "mxnet", "matplotlib", "sklearn", "d2lutils") if m in sys.modules]
    installed = False
    if have != [want] or not _version("d2lutils") or not (_version("numpy") or "2").startswith("1."):
        print("正在安装课程环境（第一次约需 1 到 3 分钟）。pip 若提示与 Colab 自带的其他包版本冲突，不影响本课程。")
        for d in have:
            if d != want:
                _pip("uninstall", "-y", "-q", d)
        _pip("install", "-q", *PINS, *(GPU_PINS if USE_GPU else CPU_PINS))
        _pip("install", "-q", "--no-deps", "--force-reinstall", SOURCE)
        installed = True
    numpy_now = getattr(sys.modules.get("numpy"), "__version__", "")
    if (installed and loaded) or numpy_now.startswith("2"):
        names = [m + (" " + numpy_now if m == "numpy" else "") for m in loaded]
        raise RuntimeError("课程环境已经装好，但这个会话之前已经载入了 " + "、".join(names)
                           + "，新装的版本要重启会话后才生效。"
                           "请重启一次会话：菜单“代码执行程序 → 重启会话”（Runtime → Restart session），"
                           "然后从本单元格开始重新运行（不会再次安装）。")
    if USE_GPU:
        subprocess.run([sys.executable, "-c", "import d2lutils; d2lutils.describe_devices()"])
    print("课程环境已就绪。")
'''


def repository() -> tuple[str, str]:
    """从 pyproject.toml 读出仓库的 (owner, name)。"""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    url = data["project"]["urls"]["Repository"]
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", url)
    if not match:
        raise SystemExit(f"pyproject.toml 中的 Repository 应为 https://github.com/<owner>/<name>，实际是 {url!r}")
    return match.group(1), match.group(2)


def pins(path: Path) -> list[str]:
    """一个 requirements 文件中的固定版本（去掉注释和空行，保留环境标记）。"""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def _name(pin: str) -> str:
    return re.split(r"[=<>!;~ ]", pin, maxsplit=1)[0].lower()


def _listing(items: list[str]) -> str:
    """把字符串列表写成每行一项的 Python 列表（放在设置单元格里，缩进一层）。"""
    return "[\n" + "".join(f"        {item!r},\n" for item in items) + "    ]"


def header_cells(notebook_name: str) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """某个笔记本应有的两个开头单元格：徽章（Markdown）和设置（代码）。"""
    owner, name = repository()
    colab = f"https://colab.research.google.com/github/{owner}/{name}/blob/{BRANCH}/notebooks/{notebook_name}"
    badge = nbformat.v4.new_markdown_cell(
        f"[![在 Colab 中打开](https://colab.research.google.com/assets/colab-badge.svg)]({colab})")
    badge.id = "colab-badge"
    badge.metadata = {KEY: "badge"}
    base = pins(ROOT / "requirements.txt")
    gpu = pins(ROOT / "requirements-gpu.txt")
    gpu_dist = next(p for p in gpu if _name(p).startswith("mxnet-cu")).split("==")[0]
    source = SETUP_TEMPLATE.format(
        pins=_listing([p for p in base if _name(p) in RUNTIME_PACKAGES]),
        cpu_pins=_listing([p for p in base if _name(p) == "mxnet"]),
        gpu_pins=_listing(gpu),
        gpu_dist=gpu_dist,
        source=f"d2lutils @ git+https://github.com/{owner}/{name}@{BRANCH}",
    )
    setup = nbformat.v4.new_code_cell(source.rstrip("\n"))
    setup.id = "colab-setup"
    setup.metadata = {KEY: "setup", "cellView": "form"}
    return badge, setup


def apply(nb: nbformat.NotebookNode, notebook_name: str) -> bool:
    """把开头单元格放到第一个单元格之后（替换旧的）。有改动时返回 True。"""
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "markdown" or not first.source.lstrip().startswith("# "):
        raise ValueError(f"{notebook_name} 的第一个单元格应是 Markdown 一级标题（# 课名）")
    title, _, intro = first.source.strip().partition("\n")
    if intro.strip():
        # 标题单元格里还写了引言和学习目标：把它们拆成单独的单元格放到开头之后，
        # 使每课都按“标题、徽章、设置、学习目标”的顺序开始
        first.source = title
        nb.cells.insert(1, nbformat.v4.new_markdown_cell(intro.strip()))
    badge, setup = header_cells(notebook_name)
    old = [c for c in nb.cells if KEY in c.get("metadata", {})]
    if not intro.strip() and (len(old) == 2 and nb.cells[1:3] == old and old[0].source == badge.source
            and old[0].metadata == badge.metadata and old[1].source == setup.source
            and old[1].metadata == setup.metadata):
        return False
    old_setup = nb.cells[2] if len(old) == 2 and nb.cells[1:3] == old else None
    if old_setup is not None and old_setup.cell_type == "code":
        # 只是设置单元格的代码变了：它在 Colab 之外不输出任何东西，保留已有的执行编号
        setup.execution_count = old_setup.execution_count
        setup.outputs = old_setup.outputs
    nb.cells = [nb.cells[0], badge, setup] + [c for c in nb.cells[1:] if KEY not in c.get("metadata", {})]
    return True


def problems(path: Path) -> list[str]:
    """笔记本的开头缺少或过时时返回说明（空列表表示没有问题）。"""
    nb = nbformat.read(path, as_version=4)
    try:
        changed = apply(nb, path.name)
    except ValueError as err:
        return [str(err)]
    return [f"{path.name} 的 Colab 开头缺少或过时：运行 python tools/notebook_headers.py，再 ./course.sh regen"] if changed else []


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="只检查，不修改")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    bad = 0
    for path in paths:
        if args.check:
            for problem in problems(path):
                print(problem)
                bad += 1
            continue
        nb = nbformat.read(path, as_version=4)
        try:
            changed = apply(nb, path.name)
        except ValueError as err:
            print(err)
            bad += 1
            continue
        if changed:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                nbformat.write(nb, f)
            if nb.cells[2].execution_count is None:
                print(f"已插入开头：{path.name}。请运行 ./course.sh regen {path}")
            else:  # 只换了设置单元格的代码：它在 Colab 之外不输出，执行编号不变
                print(f"已更新开头：{path.name}（存储的输出不变，无需重新生成）")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
