"""给每个笔记本插入（或更新）统一的开头：Colab 徽章 + 一个设置单元格。

用法（在课程环境里）：
    python tools/notebook_headers.py            # 更新 notebooks/ 下的所有笔记本
    python tools/notebook_headers.py X.ipynb    # 只更新指定的笔记本
    python tools/notebook_headers.py --check    # 只检查：缺少或过时时退出码为 1

两个单元格紧跟在第一个单元格（“# 标题”）之后（标题单元格里若还有别的文字，
它们被拆成标题之后、开头之后的一个单独单元格），用单元格元数据 ``course_header``
标记（"badge" / "setup"），所以脚本能找到并替换它们：运行两次，第二次什么也不改。
仓库地址只写在 pyproject.toml 的 ``[project.urls] Repository``；徽章链接和安装命令
都由它生成。mxnet 的版本取自 requirements-mxnet.txt，GPU 版取自 requirements-gpu.txt（可选）。

设置单元格只在当前内核缺少 mxnet 或 d2lutils 时安装（Colab 等在线 Jupyter），只装缺少的包、
不改动已装的包、不需要重启；在课程环境里（course.sh、测试）什么也不做、不打印任何东西，
所以存储的输出在哪里都一样。真正的安装由 tools/simulate_platform.py 在模拟的 Colab、Kaggle、ModelScope 上模拟。
新插入的设置单元格还没有运行过：插入后请用 ``./course.sh regen 笔记本`` 重新生成输出。
"""

from __future__ import annotations

import argparse
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
# 在线 Jupyter 上用 pip 安装的中文字体（没有 root，不能 apt 安装）：只含文泉驿微米黑
# wqy-microhei.ttc，与 Debian 的 fonts-wqy-microhei 逐字节相同（sha256 2420e807...09b3）；
# d2lutils.use_cjk_font() 按 d2lutils/plotting.py 的 PIP_FONT_PACKAGE 找到它
FONT_PIN = "paperang-p2-fonts-cjk==0.1.0"
# 设置单元格检查的 Python 版本范围（与 d2lutils/_env.py 的 VERIFIED_PYTHON 相同，有测试检查）
VERIFIED_PYTHON = ((3, 10), (3, 13))
# 只在缺少时安装、不固定版本（让 pip 选与已装的包相容的版本）的运行依赖：模块名 -> 包名
RUNTIME_DEPS = {"numpy": "numpy", "requests": "requests", "matplotlib": "matplotlib", "sklearn": "scikit-learn",
                "ipywidgets": "ipywidgets"}

SETUP_TEMPLATE = '''\
#@title 设置：缺少 MXNet 或 d2lutils 时安装它们（如在 Colab 上）；在课程自己的环境里什么也不做
USE_GPU = False  #@param {{type:"boolean"}}
# 由 tools/notebook_headers.py 生成，请勿手改。只装缺少的包，不改动已装的包，不需要重启。
# USE_GPU = True：在 NVIDIA GPU 运行时上改用 GPU 版 MXNet，见 README 的“GPU”一节。
import importlib, importlib.metadata as md, os, re, shutil, subprocess, sys, tempfile
def _pip(*args, check=True):
    ok = subprocess.run([sys.executable, "-m", "pip", "install", "-q", *args], capture_output=not check).returncode == 0
    if check and not ok:
        raise RuntimeError("pip 没能完成安装（见上面的信息）。请检查网络，然后重新运行本单元格。")
    return ok
_has = lambda dist: dist in {{d.metadata["Name"].lower() for d in md.distributions()}}
_todo = [m for m in ("mxnet", "d2lutils") if importlib.util.find_spec(m) is None]
if USE_GPU and not _has({gpu_dist!r}):
    _todo.append({gpu_dist!r})
if _todo and os.path.exists(os.path.join(sys.prefix, ".course-installed")):
    raise RuntimeError("这是 ./course.sh 管理的课程环境，却缺少 " + "、".join(_todo) + "：请在终端运行 ./course.sh env。")
if _todo:
    if not {low} <= sys.version_info[:2] <= {high}:
        raise RuntimeError(f"本课程只在 Python {low[0]}.{low[1]} 到 {high[0]}.{high[1]} 上测试过，这里是 Python {{sys.version.split()[0]}}。请按 README 在本地运行。")
    if USE_GPU and not shutil.which("nvidia-smi"):
        raise RuntimeError("勾选了 USE_GPU，但这个运行时没有 NVIDIA GPU：请先换成 GPU 运行时，或取消勾选。")
    deps = [pkg for mod, pkg in {deps!r}.items() if importlib.util.find_spec(mod) is None]
    if sys.version_info >= (3, 12) and importlib.util.find_spec("setuptools") is None:
        deps.append("setuptools")  # import mxnet 需要 distutils
    if deps:  # 约束为已装的版本：pip 只能选与它们相容的版本，不会改动已装的包
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("\\n".join(f"{{d.metadata['Name']}}=={{d.version}}" for d in md.distributions()
                              if re.fullmatch(r"[\\w.-]+==\\d[\\w.+!]*", f"{{d.metadata['Name']}}=={{d.version}}")))
        _pip("-c", f.name, *deps)
    if USE_GPU and _has("mxnet"):
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", "mxnet"])
    font = [{font!r}] if importlib.util.find_spec({font_module!r}) is None else []
    _pip("--no-deps", *({gpu_pins} if USE_GPU else {cpu_pins}), *font)  # mxnet 的元数据写着 numpy<2
    if importlib.util.find_spec("d2lutils") is None:
        src = os.environ.get("D2LUTILS_SOURCE")  # 例如本地的仓库目录
        # 依次试：指定的来源；PyPI（或 pip 配置的镜像）上的发布版本；课程网站上的发布文件；最后才是 git
        for where in ([src] if src else [{release!r}, {release_file!r}]):
            if _pip("--no-deps", where, check=False):
                break
        else:
            _pip("--no-deps", src or {source!r})
    importlib.invalidate_caches()
    if USE_GPU:
        subprocess.run([sys.executable, "-c", "import d2lutils; d2lutils.describe_devices()"])
        if "mxnet" in sys.modules:
            raise RuntimeError("GPU 版已装好，但这个会话之前导入过 CPU 版 MXNet：请重启会话，再从下一个单元格往下运行。")
    print("课程环境已就绪：装好了 " + "、".join(deps + _todo + (["中文字体"] if font else []))
          + "；没有改动已安装的其他包，不需要重启，请继续往下运行。")
'''


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
    gpu = pins(ROOT / "requirements-gpu.txt")
    gpu_dist = next(p for p in gpu if _name(p).startswith("mxnet-cu")).split("==")[0]
    version = package_version()
    wheel = f"d2lutils-{version}-py3-none-any.whl"
    low, high = VERIFIED_PYTHON
    source = SETUP_TEMPLATE.format(
        gpu_dist=gpu_dist, low=low, high=high, deps=RUNTIME_DEPS,
        font=FONT_PIN, font_module=_name(FONT_PIN).replace("-", "_"),
        cpu_pins=pins(ROOT / "requirements-mxnet.txt"), gpu_pins=gpu,
        release=f"d2lutils=={version}", release_file=f"{release_files()}{wheel}",
        source=f"d2lutils @ git+https://github.com/{owner}/{name}@{BRANCH}",
    )
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
