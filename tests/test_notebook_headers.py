"""每个笔记本的开头（Colab 徽章 + 设置单元格）存在且是最新的；脚本可重复运行；
设置单元格的逻辑用假的 google.colab 模块和假的 pip 检查。"""

import importlib.util
import json
import shutil
import subprocess
import sys
import types
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
    assert nb.cells[2].outputs == []  # 在 Colab 之外什么也不输出


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


def test_command_line_check_exit_code(tmp_path):
    path = bare_notebook(tmp_path)
    script = [sys.executable, str(ROOT / "tools" / "notebook_headers.py"), "--check", str(path)]
    result = subprocess.run(script, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "99_demo.ipynb" in result.stdout


def test_notebook_without_title_is_refused(tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    with pytest.raises(ValueError, match="一级标题"):
        headers.apply(nb, "x.ipynb")
    nbformat.write(nb, tmp_path / "x.ipynb")
    assert headers.main([str(tmp_path / "x.ipynb")]) == 1
    assert "一级标题" in capsys.readouterr().out


# ---- 设置单元格本身：在假的 Colab 里执行它的代码 ----

class FakeColab:
    """假的 Colab 运行时：已安装的包、已载入的 numpy 版本，并记录 pip 命令。"""

    def __init__(self, monkeypatch, installed, numpy_loaded=None, python=(3, 12)):
        self.installed = dict(installed)
        self.commands = []
        self.fail = False
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
        for mod in ("numpy", "mxnet", "matplotlib", "sklearn", "d2lutils"):
            monkeypatch.delitem(sys.modules, mod, raising=False)
        if numpy_loaded:
            fake_numpy = types.ModuleType("numpy")
            fake_numpy.__version__ = numpy_loaded
            monkeypatch.setitem(sys.modules, "numpy", fake_numpy)
        monkeypatch.setattr(subprocess, "run", self.run)
        import importlib.metadata as md
        monkeypatch.setattr(md, "version", self.version)
        if python != tuple(sys.version_info[:2]):
            monkeypatch.setattr(sys, "version_info", python + (0, "final", 0))

    def version(self, name):
        import importlib.metadata as md
        if name not in self.installed:
            raise md.PackageNotFoundError(name)
        return self.installed[name]

    def run(self, cmd, check=False, **kwargs):
        self.commands.append(list(cmd))
        if self.fail:
            return subprocess.CompletedProcess(cmd, 1)
        if cmd[1:4] == ["-m", "pip", "install"]:
            self.installed.update(numpy="1.26.4", d2lutils="0.1.0")
            for arg in cmd:
                if arg.startswith("mxnet"):
                    self.installed[arg.split("==")[0]] = "1.9.1"
        if cmd[1:4] == ["-m", "pip", "uninstall"]:
            self.installed.pop(cmd[-1])
        return subprocess.CompletedProcess(cmd, 0)


def run_setup_cell(use_gpu=False):
    _, setup = headers.header_cells("01_corr2d.ipynb")
    code = setup.source.replace("USE_GPU = False", f"USE_GPU = {use_gpu}", 1)
    namespace = {}
    exec(compile(code, "setup-cell", "exec"), namespace)
    return namespace


def pip_installs(commands):
    return [c[c.index("install"):] for c in commands if "install" in c]


def test_setup_cell_does_nothing_outside_colab(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    run_setup_cell()
    assert calls == [] and capsys.readouterr() == ("", "")


def test_first_run_on_colab_installs_then_asks_for_one_restart(monkeypatch, capsys):
    colab = FakeColab(monkeypatch, {"numpy": "2.0.2"}, numpy_loaded="2.0.2")
    with pytest.raises(RuntimeError) as info:
        run_setup_cell()
    assert "重启会话" in str(info.value) and "numpy 2.0.2" in str(info.value) and "重新运行" in str(info.value)
    first, second = pip_installs(colab.commands)
    assert "mxnet==1.9.1" in first and 'numpy==1.26.4; python_version >= "3.12"' in first
    assert "matplotlib==3.9.4" in first and "scikit-learn==1.7.2" in first
    assert not any(a.startswith(("jupyterlab", "ipykernel", "mxnet-cu")) for a in first)
    assert "--no-deps" in second and second[-1].startswith("d2lutils @ git+https://github.com/")
    # 重启之后：新的进程载入的是 numpy 1.26.4，不再安装，直接就绪
    colab.commands.clear()
    monkeypatch.setitem(sys.modules["numpy"].__dict__, "__version__", "1.26.4")
    run_setup_cell()
    assert colab.commands == []
    assert "已就绪" in capsys.readouterr().out


def test_colab_without_numpy_loaded_needs_no_restart(monkeypatch, capsys):
    colab = FakeColab(monkeypatch, {"numpy": "2.0.2"})
    run_setup_cell()
    assert len(pip_installs(colab.commands)) == 2
    assert "已就绪" in capsys.readouterr().out


def test_gpu_opt_in_replaces_the_cpu_build(monkeypatch, capsys):
    colab = FakeColab(monkeypatch, {"numpy": "1.26.4", "mxnet": "1.9.1", "d2lutils": "0.1.0"})
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/" + name)
    run_setup_cell(use_gpu=True)
    assert colab.commands[0][-4:] == ["uninstall", "-y", "-q", "mxnet"]
    install = pip_installs(colab.commands)[0]
    assert "mxnet-cu117==1.9.1" in install and "mxnet==1.9.1" not in install
    assert "nvidia-cudnn-cu11==8.5.0.96" in install
    assert colab.commands[-1][-1] == "import d2lutils; d2lutils.describe_devices()"


def test_unsupported_colab_python_gets_a_chinese_error(monkeypatch):
    colab = FakeColab(monkeypatch, {"numpy": "2.3.0"}, python=(3, 13))
    with pytest.raises(RuntimeError, match="Python 3.13"):
        run_setup_cell()
    assert colab.commands == []


def test_failed_pip_gets_a_chinese_error(monkeypatch):
    colab = FakeColab(monkeypatch, {"numpy": "2.0.2"}, numpy_loaded="2.0.2")
    colab.fail = True
    with pytest.raises(RuntimeError, match="pip 没能完成安装"):
        run_setup_cell()
    assert len(colab.commands) == 1


def test_gpu_opt_in_without_a_gpu_runtime_installs_nothing(monkeypatch):
    colab = FakeColab(monkeypatch, {"numpy": "2.0.2"}, numpy_loaded="2.0.2")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="更改运行时类型"):
        run_setup_cell(use_gpu=True)
    assert colab.commands == []
