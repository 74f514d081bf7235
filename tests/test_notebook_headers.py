"""每个笔记本的开头（Colab 徽章 + 设置单元格）存在且是最新的；脚本可重复运行；
设置单元格的逻辑用假的内核（缺少哪些模块、装了哪些包）和假的 pip 检查。
真正的安装在 tools/simulate_platform.py 里模拟（COURSE_SLOW=1）。"""

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import types
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_spec = importlib.util.spec_from_file_location("notebook_headers", ROOT / "tools" / "notebook_headers.py")
headers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(headers)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_notebook_has_a_current_header(path):
    assert headers.problems(path) == []
    nb = nbformat.read(path, as_version=4)
    assert [c.metadata.get("course_header") for c in nb.cells[1:3]] == ["badge", "setup"]
    owner, name = headers.repository()
    assert f"github/{owner}/{name}/blob/main/notebooks/{path.name})" in nb.cells[1].source
    assert nb.cells[2].outputs == []  # 课程环境里什么也不输出


def test_repository_comes_from_pyproject():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    owner, name = headers.repository()
    assert f'Repository = "https://github.com/{owner}/{name}"' in text
    _, setup = headers.header_cells("01_corr2d.ipynb")
    assert f"git+https://github.com/{owner}/{name}@main" in setup.source


def bare_notebook(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 试验课\n\n学习目标……"),
        nbformat.v4.new_code_cell("print(1 + 1)", execution_count=1,
                                  outputs=[nbformat.v4.new_output("stream", text="2\n")]),
    ])
    path = tmp_path / "99_demo.ipynb"
    nbformat.write(nb, path)
    return path


def test_script_inserts_once_and_check_mode_detects_staleness(tmp_path, capsys):
    path = bare_notebook(tmp_path)
    assert headers.main(["--check", str(path)]) == 1
    assert headers.main([str(path)]) == 0
    assert "regen" in capsys.readouterr().out  # 新插入的设置单元格还没运行过
    first = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    assert [c.metadata.get("course_header") for c in nb.cells] == [None, "badge", "setup", None, None]
    assert "99_demo.ipynb" in nb.cells[1].source
    # 标题单元格里的学习目标被拆到开头之后：标题、徽章、设置、学习目标
    assert nb.cells[0].source == "# 试验课" and nb.cells[3].source == "学习目标……"
    assert nb.cells[4].outputs[0].text == "2\n"  # 其他单元格不变
    headers.main([str(path)])
    assert path.read_bytes() == first  # 第二次运行什么也不改
    assert headers.main(["--check", str(path)]) == 0
    # 有人手改了设置单元格：--check 失败，再运行脚本恢复原样，且不重复插入
    data = json.loads(first)
    data["cells"][2]["source"] = ["print('hi')"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert headers.main(["--check", str(path)]) == 1
    headers.main([str(path)])
    assert json.loads(path.read_bytes()) == json.loads(first)


def test_command_line_check_exit_code(tmp_path, capsys):
    # 命令行入口就是 sys.exit(main(sys.argv[1:]))：在本进程里调用 main，省去一个新进程导入 nbformat 的时间
    path = bare_notebook(tmp_path)
    assert headers.main(["--check", str(path)]) == 1
    assert "99_demo.ipynb" in capsys.readouterr().out
    assert "sys.exit(main(sys.argv[1:]))" in (ROOT / "tools" / "notebook_headers.py").read_text(encoding="utf-8")


def test_notebook_without_title_is_refused(tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    with pytest.raises(ValueError, match="一级标题"):
        headers.apply(nb, "x.ipynb")
    nbformat.write(nb, tmp_path / "x.ipynb")
    assert headers.main([str(tmp_path / "x.ipynb")]) == 1
    assert "一级标题" in capsys.readouterr().out


# ---- 设置单元格本身：在假的在线 Jupyter 里执行它的代码 ----

FONT_MODULE = "paperang_p2_fonts_cjk"  # d2lutils.plotting.PIP_FONT_PACKAGE（下面的测试核对两者相同）
BOOTSTRAP = ROOT / "d2lutils" / "setup_kernel.py"
_spec = importlib.util.spec_from_file_location("setup_kernel", BOOTSTRAP)
kernel_setup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kernel_setup)


class FakeKernel:
    """假的在线 Jupyter 内核：哪些模块缺少、装了哪些发行包，并记录 pip 命令。

    ``pip wheel -w 目录`` 只把 d2lutils 的 wheel 取到临时目录（不装进环境）：假的 pip 在那里放一个
    装着本仓库 d2lutils/setup_kernel.py 的 wheel，所以设置单元格运行的是真正的安装步骤。"""

    # 在线平台上没有课程环境自带的 pip 中文字体包（plotting.PIP_FONT_PACKAGE）：默认也把它算作缺少
    def __init__(self, monkeypatch, missing=("mxnet", "d2lutils", FONT_MODULE), dists=None, python=(3, 12),
                 index_has_d2lutils=False, site_has_wheel=False):
        import importlib.metadata as md
        import importlib.util
        self.missing = set(missing)
        self.dists = dict(dists or {"numpy": "2.0.2", "pandas": "2.2.2", "requests": "2.32.4"})
        self.commands, self.fail, self.index_has_d2lutils = [], False, index_has_d2lutils
        self.fail_installs = False  # 取到 wheel 成功，装进环境失败
        self.site_has_wheel = site_has_wheel
        self.constraints = None
        real_find_spec = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec",
                            lambda name, *a: None if name in self.missing else real_find_spec(name, *a))
        monkeypatch.setattr(md, "distributions", lambda: [
            types.SimpleNamespace(metadata={"Name": n}, version=v) for n, v in self.dists.items()])
        monkeypatch.setattr(subprocess, "run", self.run)
        monkeypatch.delenv("D2LUTILS_SOURCE", raising=False)
        monkeypatch.setattr(sys, "prefix", "/nonexistent/fake-kernel")  # 不是 course.sh 的环境
        if python != tuple(sys.version_info[:2]):
            monkeypatch.setattr(sys, "version_info", python + (0, "final", 0))

    def run(self, cmd, **kwargs):
        self.commands.append(list(cmd))
        if "-c" in cmd and cmd[1:3] == ["-m", "pip"]:
            self.constraints = Path(cmd[cmd.index("-c") + 1]).read_text()
        ok = (not self.fail and not (RELEASE in cmd and not self.index_has_d2lutils)
              and not (WHEEL_URL in cmd and not self.site_has_wheel)
              and not (self.fail_installs and "wheel" not in cmd))
        if ok and "wheel" in cmd:  # 只取到临时目录：环境里的包不变
            with zipfile.ZipFile(Path(cmd[cmd.index("-w") + 1]) / WHEEL, "w") as z:
                z.write(BOOTSTRAP, "d2lutils/setup_kernel.py")
        elif ok and "install" in cmd:
            for arg in cmd[cmd.index("install") + 1:]:
                if not arg.startswith("-"):
                    name = re.split(r"[=@ ]", arg)[0]
                    mod = {"scikit-learn": "sklearn"}.get(name, name.replace("-", "_"))
                    self.missing.discard("d2lutils" if "d2lutils" in arg or arg.startswith("/") else mod)
                    self.dists[re.split(r"[=@ ]", arg)[0]] = "new"
        return subprocess.CompletedProcess(cmd, 0 if ok else 1)


RELEASE = f"d2lutils=={headers.package_version()}"
WHEEL = f"d2lutils-{headers.package_version()}-py3-none-any.whl"
WHEEL_URL = f"{headers.release_files()}{WHEEL}"


def run_setup_cell(use_gpu=False):
    _, setup = headers.header_cells("01_corr2d.ipynb")
    code = setup.source.replace("USE_GPU = False", f"USE_GPU = {use_gpu}", 1)
    exec(compile(code, "setup-cell", "exec"), {})


def pip_installs(commands):
    """装进环境的 pip 命令（pip install 的参数）。"""
    return [c[c.index("install") + 1:] for c in commands if "install" in c]


def fetches(commands):
    """设置单元格把 d2lutils 的 wheel 取到临时目录（pip wheel）时依次试的来源。"""
    return [c[-1] for c in commands if c[3:4] == ["wheel"]]


def fetched_wheel(commands):
    """最后一次 pip wheel 放下的 wheel 文件。"""
    last = [c for c in commands if c[3:4] == ["wheel"]][-1]
    return str(Path(last[last.index("-w") + 1]) / WHEEL)


def test_setup_cell_does_nothing_where_the_course_is_installed(monkeypatch, capsys, tmp_path):
    # 课程环境（course.sh、测试）里 mxnet 和 d2lutils 都在：什么也不做，什么也不打印，也不建临时目录
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    run_setup_cell()
    assert calls == [] and capsys.readouterr() == ("", "") and list(tmp_path.iterdir()) == []


def test_setup_cell_is_short_collapsed_and_names_no_tool():
    _, setup = headers.header_cells("01_corr2d.ipynb")
    assert setup.metadata["jupyter"] == {"source_hidden": True} and setup.metadata["cellView"] == "form"
    lines = setup.source.splitlines()
    assert len(lines) <= 6 and lines[0].startswith("#@title ") and lines[1].startswith("USE_GPU = False  #@param")
    assert "请勿手改" not in setup.source and "tools/" not in setup.source and "README" not in setup.source
    assert '["setup"](USE_GPU)' in setup.source and "setup_kernel.py" in setup.source


def test_bootstrap_constants_match_the_repository_files():
    from d2lutils import compat, plotting
    assert kernel_setup.MXNET_PINS == headers.pins(ROOT / "requirements-mxnet.txt")
    assert kernel_setup.GPU_PINS == headers.pins(ROOT / "requirements-gpu.txt")
    assert kernel_setup.GPU_DIST == kernel_setup.GPU_PINS[0].split("==")[0] and kernel_setup.GPU_DIST.startswith("mxnet-cu")
    assert kernel_setup.FONT_PIN in headers.pins(ROOT / "requirements.txt") and kernel_setup.FONT_PIN == compat.PIP_FONT_PIN
    assert kernel_setup.FONT_MODULE == plotting.PIP_FONT_PACKAGE == FONT_MODULE
    assert kernel_setup.VERIFIED_PYTHON == compat.VERIFIED_PYTHON
    text = BOOTSTRAP.read_text(encoding="utf-8")
    assert "GB" not in text and "MB" not in text  # 下载大小只写在 docs/gpu.md
    # 只用标准库：运行它时 d2lutils 和 mxnet 可能都还没装进环境
    imports = {m.split(".")[0] for m in re.findall(r"^(?:import|from) ([\w.]+)", text, re.M)}
    assert imports <= set(sys.stdlib_module_names) | {"__future__"}, imports


def test_bootstrap_ships_in_the_wheel():
    # setup_kernel.py 在 d2lutils 包里，随 wheel 和 sdist 发布（tests/test_dist.py 检查 wheel 里有包里的每个文件）
    project = headers.tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "d2lutils" in project["tool"]["setuptools"]["packages"] and BOOTSTRAP.parent.name == "d2lutils"


def test_hosted_kernel_gets_only_what_it_lacks_without_restart(monkeypatch, capsys):
    kernel = FakeKernel(monkeypatch)
    run_setup_cell()
    # 先把 d2lutils 取到临时目录：包索引（PyPI 或镜像）上的发行版、课程网站上的 wheel、最后才用仓库
    git = headers.sources()[-1]
    assert git.startswith("d2lutils @ git+https://github.com/") and fetches(kernel.commands) == [RELEASE, WHEEL_URL, git]
    assert all(c[:3] == [sys.executable, "-m", "pip"] for c in kernel.commands)
    installs = pip_installs(kernel.commands)  # 装进环境的 d2lutils 就是取到的 wheel，与 mxnet 一起装
    assert installs == [["-q", "--no-deps", "mxnet==1.9.1", kernel_setup.FONT_PIN, fetched_wheel(kernel.commands)]]
    out = capsys.readouterr().out
    assert "课程环境已就绪" in out and "不需要重启" in out and "mxnet" in out and "中文字体" in out


def test_published_release_and_source_override(monkeypatch, capsys):
    kernel = FakeKernel(monkeypatch, index_has_d2lutils=True)
    run_setup_cell()
    assert fetches(kernel.commands) == [RELEASE]
    assert [c[-1] for c in pip_installs(kernel.commands)] == [fetched_wheel(kernel.commands)]
    kernel = FakeKernel(monkeypatch, site_has_wheel=True)
    run_setup_cell()
    assert fetches(kernel.commands) == [RELEASE, WHEEL_URL]
    assert [c[-1] for c in pip_installs(kernel.commands)] == [fetched_wheel(kernel.commands)]
    assert WHEEL_URL.startswith("https://") and "/dist/" in WHEEL_URL  # 工作流把 dist/ 发布到阅读版网站
    kernel = FakeKernel(monkeypatch)
    monkeypatch.setenv("D2LUTILS_SOURCE", "/tmp/clone")
    run_setup_cell()
    assert fetches(kernel.commands) == ["/tmp/clone"]
    assert [c[-1] for c in pip_installs(kernel.commands)] == [fetched_wheel(kernel.commands)]


def test_missing_dependencies_are_constrained_to_what_is_installed(monkeypatch, capsys):
    kernel = FakeKernel(monkeypatch, missing=("mxnet", "d2lutils", "requests", "sklearn"),
                        dists={"numpy": "1.26.4", "scipy": "1.11.4"})
    run_setup_cell()
    first = pip_installs(kernel.commands)[0]
    assert first[:3] == ["-q", "-c", first[2]] and first[3:] == ["requests", "scikit-learn"]
    assert set(kernel.constraints.splitlines()) == {"numpy==1.26.4", "scipy==1.11.4"}


def test_course_venv_is_never_touched(monkeypatch, tmp_path):
    kernel = FakeKernel(monkeypatch)
    (tmp_path / ".course-installed").write_text("x")
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    with pytest.raises(RuntimeError, match="course.sh env"):
        run_setup_cell()
    assert pip_installs(kernel.commands) == []  # 只把 wheel 取到了临时目录，环境里什么也没装


def test_gpu_opt_in_replaces_the_cpu_build(monkeypatch, capsys):
    kernel = FakeKernel(monkeypatch, missing=(), dists={"numpy": "2.0.2", "mxnet": "1.9.1", "d2lutils": "0.1.0"})
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/" + name)
    mxnet = sys.modules.get("mxnet")
    monkeypatch.delitem(sys.modules, "mxnet", raising=False)  # 新会话：还没有导入过 MXNet
    run_setup_cell(use_gpu=True)
    assert "不需要重启" in capsys.readouterr().out
    assert fetches(kernel.commands) == []  # d2lutils 已装：直接运行已安装的 setup_kernel.py
    assert kernel.commands[0][-4:] == ["uninstall", "-y", "-q", "mxnet"]
    install = pip_installs(kernel.commands)[0]
    assert "--no-deps" in install and "mxnet-cu117==1.9.1" in install and "mxnet==1.9.1" not in install
    assert "nvidia-cudnn-cu11==8.5.0.96" in install
    assert kernel.commands[-1][-1] == "import d2lutils; d2lutils.describe_devices()"
    # 会话里已经导入过 CPU 版：装好后要求重启一次
    kernel.dists.pop("mxnet-cu117")
    monkeypatch.setitem(sys.modules, "mxnet", mxnet or types.ModuleType("mxnet"))
    with pytest.raises(RuntimeError, match="请重启会话"):
        run_setup_cell(use_gpu=True)


@pytest.mark.parametrize("python", [(3, 14), (3, 9)])
def test_unverified_python_gets_a_chinese_error(monkeypatch, python):
    kernel = FakeKernel(monkeypatch, python=python)
    with pytest.raises(RuntimeError, match=f"Python 3.10 到 3.13 上测试过"):
        run_setup_cell()
    assert pip_installs(kernel.commands) == []


def test_failed_pip_gets_a_chinese_error(monkeypatch):
    kernel = FakeKernel(monkeypatch)
    kernel.fail = True
    with pytest.raises(RuntimeError, match="没能下载 d2lutils"):
        run_setup_cell()
    assert pip_installs(kernel.commands) == [] and len(fetches(kernel.commands)) == 3
    kernel = FakeKernel(monkeypatch, index_has_d2lutils=True)
    kernel.fail_installs = True
    with pytest.raises(RuntimeError, match="pip 没能完成安装"):
        run_setup_cell()
    assert fetches(kernel.commands) == [RELEASE] and len(pip_installs(kernel.commands)) == 1


def test_gpu_opt_in_without_a_gpu_runtime_installs_nothing(monkeypatch):
    kernel = FakeKernel(monkeypatch)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="GPU 运行时"):
        run_setup_cell(use_gpu=True)
    assert pip_installs(kernel.commands) == []
