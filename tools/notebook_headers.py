"""给每个笔记本插入（或更新）统一的开头：Colab 徽章 + 一个设置单元格。

用法（在课程环境里）：
    python tools/notebook_headers.py            # 更新 notebooks/ 下的所有笔记本
    python tools/notebook_headers.py X.ipynb    # 只更新指定的笔记本
    python tools/notebook_headers.py --check    # 只检查：缺少或过时时退出码为 1

两个单元格紧跟在第一个单元格（“# 标题”）之后（标题单元格里若还有别的文字，
它们被拆成标题之后、开头之后的一个单独单元格），用单元格元数据 ``course_header``
标记（"badge" / "setup"），所以脚本能找到并替换它们：运行两次，第二次什么也不改。
仓库地址只写在 pyproject.toml 的 ``[project.urls] Repository``；徽章链接和 d2lutils 的
来源都由它生成（课程网站上的 wheel 在 ``[project.urls] Download``）。

设置单元格只有 6 行：安装步骤不在笔记本里，而在 d2lutils/setup_kernel.py（随 d2lutils 发布，
tests/test_notebook_headers.py 用假的内核检查它）。在课程环境里（course.sh、测试）它什么也不做、
不打印任何东西，所以存储的输出在哪里都一样。真正的安装由 tools/simulate_platform.py 在模拟的
Colab、Kaggle、ModelScope 上检验。
新插入的设置单元格还没有运行过：插入后请用 ``./course.sh regen 笔记本`` 重新生成输出。
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10（numpy1 测试线）：用 pip 自带的同一个解析器 tomli
    from pip._vendor import tomli as tomllib

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BRANCH = "main"
KEY = "course_header"
# 设置单元格：只取得并运行 d2lutils/setup_kernel.py 的 setup()，真正的安装步骤都在那里（有测试）。
# d2lutils 还没装时，先用 pip wheel 把它的 wheel 取到一个临时目录（不装进当前环境），运行 wheel 里的
# setup_kernel.py，它再把这个 wheel 装进环境。来源依次试，成功即止：D2LUTILS_SOURCE 指定的来源，否则 PyPI
# （或 pip 配置的镜像）上的发行版、课程网站上的 wheel、最后才是 GitHub 上的仓库。
SETUP_TEMPLATE = """\
#@title 设置：缺少 MXNet 或 d2lutils 时安装它们（如在 Colab 上）；在课程自己的环境里什么也不做
USE_GPU = False  #@param {{type:"boolean"}}
import glob, importlib.util, os, runpy, subprocess, sys, tempfile, zipfile  # 它装什么、从哪里装：见课程的 docs/install.md
SOURCES = [os.environ["D2LUTILS_SOURCE"]] if os.environ.get("D2LUTILS_SOURCE") else {sources}
if not (spec := importlib.util.find_spec("d2lutils")) and not any(subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", (tmp := tempfile.mkdtemp()), s], capture_output=True).returncode == 0 for s in SOURCES): raise RuntimeError("没能下载 d2lutils：请检查网络（或按课程的 docs/install.md 设置 D2LUTILS_SOURCE），再重新运行本单元格。")
runpy.run_path(os.path.join(spec.submodule_search_locations[0], "setup_kernel.py") if spec else zipfile.ZipFile(glob.glob(tmp + "/d2lutils-*.whl")[0]).extract("d2lutils/setup_kernel.py", tmp))["setup"](USE_GPU)
"""


def repository() -> tuple[str, str]:
    """从 pyproject.toml 读出仓库的 (owner, name)。"""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    url = data["project"]["urls"]["Repository"]
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", url)
    if not match:
        raise SystemExit(f"pyproject.toml 中的 Repository 应为 https://github.com/<owner>/<name>，实际是 {url!r}")
    return match.group(1), match.group(2)


def package_version() -> str:
    """d2lutils 的版本号：d2lutils/__init__.py 的 __version__（pyproject.toml 从那里读取）。"""
    text = (ROOT / "d2lutils" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def release_files() -> str:
    """发布文件（wheel）所在的地址：pyproject.toml 的 [project.urls] Download，以 / 结尾。"""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["project"]["urls"]["Download"].rstrip("/") + "/"


def pins(path: Path) -> list[str]:
    """一个 requirements 文件中的固定版本（去掉注释和空行，保留环境标记）。"""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def sources() -> list[str]:
    """d2lutils 的默认来源，依次试：包索引上的发行版、课程网站上的 wheel、GitHub 上的仓库。"""
    owner, name = repository()
    version = package_version()
    return [f"d2lutils=={version}", f"{release_files()}d2lutils-{version}-py3-none-any.whl",
            f"d2lutils @ git+https://github.com/{owner}/{name}@{BRANCH}"]


def header_cells(notebook_name: str) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """某个笔记本应有的两个开头单元格：徽章（Markdown）和设置（代码）。"""
    owner, name = repository()
    colab = f"https://colab.research.google.com/github/{owner}/{name}/blob/{BRANCH}/notebooks/{notebook_name}"
    badge = nbformat.v4.new_markdown_cell(
        f"[![在 Colab 中打开](https://colab.research.google.com/assets/colab-badge.svg)]({colab})")
    badge.id = "colab-badge"
    badge.metadata = {KEY: "badge"}
    source = SETUP_TEMPLATE.format(sources=json.dumps(sources(), ensure_ascii=False))
    setup = nbformat.v4.new_code_cell(source.rstrip("\n"))
    setup.id = "colab-setup"
    # 在 JupyterLab 里折叠显示（source_hidden），在 Colab 里只显示表单（cellView: form）
    setup.metadata = {KEY: "setup", "cellView": "form", "jupyter": {"source_hidden": True}}
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
