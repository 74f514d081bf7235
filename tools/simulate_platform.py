"""模拟在线 Jupyter（Colab、Kaggle、ModelScope 等）：在“预装了该平台的包”的全新内核里运行设置单元格和一课，
检查一次就绪、不用重启。

用法（任何 Python 3.11+ 都可以启动它；慢，每个平台约几分钟，只在需要时运行）：
    python tools/simulate_platform.py [--platform colab|colab-next|kaggle|modelscope] [--lesson notebooks/01_corr2d.ipynb] [--workdir DIR]
测试套件里：COURSE_SLOW=1 ./course.sh test tests/test_platform_simulation.py（.ci/run 运行一次）。

每个平台是 PROFILES 里的一项（Python 版本、预装包的版本、内核启动时导入的模块、环境变量），
模拟的内容都一样：
1. 一个该 Python 版本的虚拟环境，预装平台也预装的包（numpy、pandas、scipy、matplotlib、
   scikit-learn、requests、setuptools，以及运行笔记本的 ipykernel/nbclient），没有 mxnet、
   d2lutils 和中文字体；没有 root（不用 apt）、没有 GPU：设置单元格只能用 pip；
2. 内核启动时（IPython 的启动文件）导入 numpy 和平台自己的模块（如假的 ``google.colab``），
   所以设置单元格运行时 numpy（1.x 或 2.x）已经载入，就像在这些平台上；
3. d2lutils 的安装来源指向本仓库的一个本地克隆（环境变量 D2LUTILS_SOURCE；克隆的是
   当前分支已提交的内容），pip 不用缓存（``PIP_NO_CACHE_DIR``），像在线平台一样真正下载 mxnet。

检查并打印：设置单元格的输出和用时；numpy、pandas、scipy（及其他预装包）的版本不变、
在同一内核里仍能导入；这一课每个单元格的输出与存储的输出相同（与 nbval 比较同样的内容：
除 PNG/JPEG 图像外的所有输出，先按 tests/nbval_sanitize.cfg 清洗；标了 NBVAL_IGNORE_OUTPUT
的单元格不比较）；pip 装的中文字体能被找到。全部通过时退出码为 0。
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# 平台预装、而课程会用到或可能碰到的包；运行笔记本用的包不固定版本
KERNEL = ["requests", "setuptools", "ipykernel", "nbclient", "nbformat"]
WATCHED = ["numpy", "pandas", "scipy", "matplotlib"]  # 在内核里再导入一次、核对版本的包
# 各平台：Python 版本；预装的包（None 表示取 PyPI 上的最新版）；
# 是否预装 ipywidgets（没有时设置单元格要把它当作缺少的运行依赖装上）；
# 内核启动时导入的平台模块（假的，只含一个文档字符串）；平台设置的环境变量。
# "colab" 是今天的 Colab：版本逐个取自 googlecolab/backend-info 的 pip-freeze.txt（COLAB_FREEZE 记下是哪一版），
# 更新方法见 docs/platforms-colab.md（python tools/simulate_platform.py --from-freeze pip-freeze.txt 打印新的列表）；
# "colab-next" 用各包在 PyPI 上的最新版，好在 Colab 下一次升级之前发现问题。其余平台是“像这样的”镜像。
COLAB_FREEZE = "googlecolab/backend-info a72407924822（2026-08-19，“Upgrade to Python 3.13”；Python 3.13.15）"
# Colab 预装、课程会用到或碰到的包（从 pip-freeze.txt 取版本的名单）
COLAB_NAMES = ["numpy", "pandas", "scipy", "matplotlib", "scikit-learn", "requests", "setuptools",
               "ipywidgets", "widgetsnbextension", "jupyterlab_widgets", "ipykernel", "ipython",
               "ipython-genutils", "jupyter_client", "traitlets", "tornado", "pyzmq", "nbclient", "nbformat"]
COLAB_PINS = ["numpy==2.1.3", "pandas==2.2.3", "scipy==1.16.3", "matplotlib==3.10.0", "scikit-learn==1.6.1",
              "requests==2.32.4", "setuptools==75.2.0", "ipywidgets==7.7.1", "widgetsnbextension==3.6.10",
              "jupyterlab_widgets==3.0.16", "ipykernel==6.17.1", "ipython==7.34.0", "ipython-genutils==0.2.0",
              "jupyter_client==7.4.9", "traitlets==5.7.1", "tornado==6.5.7", "pyzmq==26.2.1", "nbclient==0.10.4",
              "nbformat==5.11.1"]
PROFILES: dict[str, dict] = {
    "colab": {"python": "3.13", "packages": COLAB_PINS, "widgets": True, "module": "google.colab", "env": {}},
    "colab-next": {"python": "3.13", "packages": None, "widgets": True, "module": "google.colab", "env": {}},
    # Kaggle 的 docker-python 镜像：Python 3.11、numpy 2.0.x、pandas 2.2.x（以 Colab 的镜像为底）
    "kaggle": {"python": "3.11",
               "packages": ["numpy==2.0.2", "pandas==2.2.3", "scipy==1.15.3", "matplotlib==3.10.0",
                            "scikit-learn==1.6.1"],
               "widgets": True, "module": "kaggle_secrets", "env": {"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}},
    # ModelScope（魔搭）的 notebook 镜像：较早的 py310 镜像、numpy 1.26、pandas 2.x
    "modelscope": {"python": "3.10",
                   "packages": ["numpy==1.26.4", "pandas==2.2.3", "scipy==1.13.1", "matplotlib==3.8.4",
                                "scikit-learn==1.5.2"],
                   "widgets": False, "module": "modelscope_notebook", "env": {"MODELSCOPE_ENVIRONMENT": "notebook"}},
}


def pins_from_freeze(text: str, names: list[str] = COLAB_NAMES) -> list[str]:
    """从 pip freeze 的输出里取出 names 这些包的 ``名字==版本``（名字按 pip 的规则比较）；缺少的包报错。"""
    norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
    found = {norm(m[1]): m[0] for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==\S+", text, re.M)}
    missing = [n for n in names if norm(n) not in found]
    if missing:
        raise SystemExit(f"pip freeze 的输出里没有这些包：{missing}")
    return [found[norm(n)] for n in names]


def find_python(version: str) -> str:
    """找到 Python 版本号为 version（如 3.12）的解释器（PATH 上或 pyenv 里）。"""
    cands = [shutil.which(f"python{version}")]
    if shutil.which("pyenv"):
        out = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True).stdout.split()
        for v in sorted((v for v in out if v == version or v.startswith(version + ".")), reverse=True):
            cands.append(subprocess.run(["pyenv", "which", "python"], capture_output=True, text=True,
                                        env={**os.environ, "PYENV_VERSION": v}).stdout.strip())
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    cands += [str(p) for p in sorted(root.glob(f"versions/{version}*/bin/python{version}"), reverse=True)]
    for cand in filter(None, cands):
        try:
            got = subprocess.run([cand, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if got == version:
            return cand
    raise SystemExit(f"找不到 Python {version}：模拟这个平台需要它。")


def pip_versions(python: Path) -> dict[str, str]:
    out = subprocess.run([str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
                         capture_output=True, text=True, check=True).stdout
    return {d["name"].lower(): d["version"] for d in json.loads(out)}


def build_kernel_env(workdir: Path, profile: dict) -> Path:
    """虚拟环境 + 预装的包 + 假的平台模块 + 内核启动文件；返回环境的 python。"""
    venv = workdir / "kernel-venv"
    python = venv / "bin" / "python"
    if python.exists() and subprocess.run([str(python), "-c", "import importlib.util as u, sys; "
                                           "sys.exit(u.find_spec('mxnet') is None)"]).returncode == 0:
        shutil.rmtree(venv)  # 上次模拟已经装过课程的包：重建，让设置单元格再从空内核开始
    if not python.exists():
        subprocess.run([find_python(profile["python"]), "-m", "venv", str(venv)], check=True)
        # 预装平台的包（不计时）：课程环境里有 uv 就用它（快），否则用 pip
        uv = Path(sys.executable).with_name("uv")
        install = ([str(uv), "pip", "install", "-q", "--python", str(python)] if uv.exists()
                   else [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"])
        numeric = profile["packages"] or [*WATCHED, "scikit-learn"]
        subprocess.run([*install, *numeric, *KERNEL, *(["ipywidgets"] if profile["widgets"] else [])], check=True)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    *parents, leaf = profile["module"].split(".")
    folder = site.joinpath(*parents)
    for i in range(len(parents)):
        site.joinpath(*parents[:i + 1]).mkdir(parents=True, exist_ok=True)
        (site.joinpath(*parents[:i + 1]) / "__init__.py").touch()
    (folder / f"{leaf}.py").write_text(f'"""模拟的平台模块 {profile["module"]}。"""\n', encoding="utf-8")
    startup = workdir / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-platform.py").write_text(f"import numpy\nimport {profile['module']}\n", encoding="utf-8")
    return python


def sanitizer(path: Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = [(re.compile(a[len("regex: "):]), b[len("replace: "):])
             for a, b in zip(lines[::2], lines[1::2])]

    def clean(text: str) -> str:
        for pattern, repl in pairs:
            text = pattern.sub(repl, text)
        return text
    return clean


def comparable(outputs: list, clean) -> list:
    """nbval 比较的内容：stream 合并后的文本、除图像外的各种 MIME 数据、错误名。"""
    items: list = []
    for out in outputs:
        kind = out["output_type"]
        if kind == "stream":
            if items and items[-1][0] == out["name"]:
                items[-1] = (out["name"], items[-1][1] + clean(out["text"]))
            else:
                items.append((out["name"], clean(out["text"])))
        elif kind in ("execute_result", "display_data"):
            for mime, data in sorted(out["data"].items()):
                if mime not in ("image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json"):
                    items.append((mime, clean(data if isinstance(data, str) else "".join(data))))
        elif kind == "error":
            items.append(("error", out["ename"]))
    return items


DRIVER = r'''
import json, os, sys, time
import nbformat
from nbclient import NotebookClient
lesson, out_path = sys.argv[1:]
nb = nbformat.read(lesson, as_version=4)
check = nbformat.v4.new_code_cell(
    "import importlib, json, os\n"
    "from matplotlib import font_manager\n"
    "from d2lutils import plotting\n"
    "fonts = [font_manager.FontProperties(fname=p).get_name() for p in plotting._pip_font_files() if os.path.exists(p)]\n"
    # 三个探索器（第 01、06、08 课）在这个平台的 ipywidgets 上：各拨一个控件，图跟着变，显示时带着静态的图
    "import ipywidgets\n"
    "from d2lutils import explore\n"
    "explorers = []\n"
    "for make, key, value in [(explore.kernel_explorer, 'kernel', 'sharpen'),\n"
    "                         (explore.padding_stride_explorer, 'stride', 3), (explore.pooling_explorer, 'mode', 'avg')]:\n"
    "    ex = make(); before = ex.image.value; ex.controls[key].value = value; bundle = ex._repr_mimebundle_()\n"
    "    explorers.append(ex.image.value != before and ex.error is None and bundle['image/png'] != ''\n"
    "                     and bundle['application/vnd.jupyter.widget-view+json']['model_id'] == ex.box.model_id)\n"
    "print(json.dumps({'pip_fonts': fonts, 'explorers': explorers, 'ipywidgets': ipywidgets.__version__,\n"
    "                  **{m: importlib.import_module(m).__version__ for m in %r}}))")
nb.cells.append(check)
times = {}
client = NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": os.path.dirname(lesson)}})
client.on_cell_execute = lambda cell, cell_index: times.__setitem__(cell_index, time.perf_counter())
def done(cell, cell_index, execute_reply):
    times[cell_index] = time.perf_counter() - times[cell_index]
client.on_cell_executed = done
client.execute()
nbformat.write(nb, out_path)
json.dump({str(k): v for k, v in times.items()}, open(out_path + ".times.json", "w"))
'''.replace("%r", repr(WATCHED))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="notebooks/01_corr2d.ipynb")
    parser.add_argument("--platform", choices=sorted(PROFILES), default="colab")
    parser.add_argument("--python", help="改用这个 Python 版本（默认用平台的）")
    parser.add_argument("--workdir", type=Path, help="保留模拟环境的目录（默认用临时目录，结束后删除）")
    parser.add_argument("--from-freeze", type=Path, metavar="PIP_FREEZE_TXT",
                        help="只打印从 backend-info 的 pip-freeze.txt 取出的 COLAB_PINS（更新 colab 配置用）")
    args = parser.parse_args(argv)
    if args.from_freeze:
        print("COLAB_PINS = " + json.dumps(pins_from_freeze(args.from_freeze.read_text(encoding="utf-8"))))
        return 0
    profile = {**PROFILES[args.platform], **({"python": args.python} if args.python else {})}
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix=f"{args.platform}-sim-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        python = build_kernel_env(workdir, profile)
        clone = workdir / "clone"
        shutil.rmtree(clone, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        before = pip_versions(python)
        print(f"[模拟] {args.platform}：Python {profile['python']} 的内核环境就绪（{time.perf_counter() - t0:.0f} s）："
              + "、".join(f"{n} {before[n]}" for n in WATCHED + ["scikit-learn", "ipywidgets", "ipykernel", "ipython"]
                         if n in before))
        env = {**os.environ, "IPYTHONDIR": str(workdir / "ipython"), "D2LUTILS_SOURCE": str(clone),
               "PYTHONHASHSEED": "0", "PIP_NO_CACHE_DIR": "1", **profile["env"]}
        env.pop("VIRTUAL_ENV", None)
        lesson = clone / args.lesson
        executed = workdir / "executed.ipynb"
        t1 = time.perf_counter()
        subprocess.run([str(python), "-c", DRIVER, str(lesson), str(executed)], check=True, env=env, cwd=workdir)
        code = report(python, before, lesson, executed, clone)
        print(f"[模拟] {args.platform}：从空内核到这一课的最后一个单元格 {time.perf_counter() - t1:.0f} s，"
              f"整个模拟（含建环境）{time.perf_counter() - t0:.0f} s")
        return code
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def report(python: Path, before: dict, lesson: Path, executed: Path, clone: Path) -> int:
    import nbformat  # 只在这里需要；课程环境和模拟环境里都有

    fresh = nbformat.read(executed, as_version=4)
    stored = nbformat.read(lesson, as_version=4)
    times = json.loads(Path(str(executed) + ".times.json").read_text())
    ok = True
    setup_index = next(i for i, c in enumerate(fresh.cells) if c.metadata.get("course_header") == "setup")
    setup_text = "".join(o.get("text", "") for o in fresh.cells[setup_index].outputs)
    print(f"[模拟] 设置单元格用时 {times[str(setup_index)]:.1f} s，输出：\n{setup_text.rstrip()}")
    if "课程环境已就绪" not in setup_text or "重启" in setup_text.replace("不需要重启", ""):
        print("[模拟] 失败：设置单元格没有说环境已就绪，或要求重启")
        ok = False
    if "ERROR" in setup_text:  # 例如 pip 的依赖解析报的冲突
        print("[模拟] 失败：设置单元格的输出里有 pip 的 ERROR")
        ok = False
    after = pip_versions(python)
    changed = {n: (v, after.get(n)) for n, v in before.items() if after.get(n) != v}
    added = sorted(f"{n} {v}" for n, v in after.items() if n not in before)
    print("[模拟] 新装的包：" + "、".join(added))
    if changed:
        print(f"[模拟] 失败：预装的包被改动了：{changed}")
        ok = False
    seen = json.loads(fresh.cells[-1].outputs[0]["text"])
    for name in WATCHED:
        same = seen[name] == before[name]
        ok &= same
        print(f"[模拟] {name}: 安装前 {before[name]}，课程运行后在同一内核中导入 {seen[name]}"
              + ("（不变）" if same else "（变了！）"))
    clean = sanitizer(clone / "tests" / "nbval_sanitize.cfg")
    code = [(i, c) for i, c in enumerate(stored.cells) if c.cell_type == "code" and i != setup_index]
    bad = []
    for i, cell in code:
        if any(line.strip() == "# NBVAL_IGNORE_OUTPUT" for line in cell.source.splitlines()):
            continue
        if comparable(cell.outputs, clean) != comparable(fresh.cells[i].outputs, clean):
            bad.append(i)
    print(f"[模拟] {lesson.name}：{len(code)} 个代码单元格，"
          + ("输出与存储的相同" if not bad else f"单元格 {bad} 的输出与存储的不同"))
    for i in bad[:3]:
        print(f"  单元格 {i}：存储 {comparable(stored.cells[i].outputs, clean)!r:.300}\n"
              f"           本次 {comparable(fresh.cells[i].outputs, clean)!r:.300}")
    ok &= not bad
    # 这台机器可能有系统字体；这里核对 pip 装的字体文件 d2lutils 能找到，且是中文字体
    print(f"[模拟] pip 安装的中文字体：{seen['pip_fonts']}")
    ok &= "WenQuanYi Micro Hei" in seen["pip_fonts"]
    print(f"[模拟] 探索器（第 01、06、08 课）在 ipywidgets {seen['ipywidgets']} 上拨动控件后重画：{seen['explorers']}")
    ok &= seen["explorers"] == [True, True, True]
    print("[模拟] 通过" if ok else "[模拟] 失败")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
