"""打开课程不产生只有元数据的改动：存储的元数据就是 JupyterLab 写入的内容（少了随 Python
版本变化的 language_info.version），./course.sh lab 载入的保存钩子去掉这个版本号。
真正的 JupyterLab 前端的验收检查在 tools/check_lab_clean.py（.ci/run 运行它，几分钟）。"""

import json
import runpy
import sys
from pathlib import Path

import nbformat
import pytest
from ipykernel.ipkernel import IPythonKernel
from jupyter_client.kernelspec import KernelSpecManager

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from notebook_metadata import KERNELSPEC, LANGUAGE_INFO, normalize_metadata, pre_save_hook  # noqa: E402


def test_stored_metadata_is_what_the_kernel_reports_without_the_version():
    reported = dict(IPythonKernel.language_info)
    assert reported.pop("version").startswith(f"{sys.version_info[0]}.{sys.version_info[1]}.")
    assert LANGUAGE_INFO == reported
    spec = KernelSpecManager().get_kernel_spec("python3")  # JupyterLab 写入 name、display_name、language
    assert KERNELSPEC == {"name": "python3", "display_name": spec.display_name, "language": spec.language}


def test_every_lesson_stores_the_normalized_metadata():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        expected = json.loads(json.dumps(metadata))
        normalize_metadata(expected)
        assert metadata == expected, path.name


@pytest.mark.filterwarnings("ignore:Overriding existing pre_save_hook")  # traitlets 合并设置时的提示
def test_jupyter_save_with_the_course_config_writes_the_stored_bytes(tmp_path):
    """课程的服务器设置下，JupyterLab 保存（带着内核的版本号）写出的字节与存储的相同。"""
    from jupyter_server.services.contents.filemanager import FileContentsManager
    from traitlets.config import Config

    config = Config()
    runpy.run_path(str(ROOT / "tools" / "jupyter" / "jupyter_server_config.py"),
                   init_globals={"get_config": lambda: config})
    assert config.ContentsManager.pre_save_hook is pre_save_hook
    lesson = ROOT / "notebooks" / "01_corr2d.ipynb"
    nb = json.loads(lesson.read_text(encoding="utf-8"))
    nb["metadata"]["language_info"]["version"] = "3.13.0"  # JupyterLab 从内核得到并写入的
    manager = FileContentsManager(config=config, root_dir=str(tmp_path))
    manager.save({"type": "notebook", "format": "json", "content": json.loads(json.dumps(nb))}, "lesson.ipynb")
    assert (tmp_path / "lesson.ipynb").read_bytes() == lesson.read_bytes()

    plain = FileContentsManager(root_dir=str(tmp_path))  # 对照：没有钩子时版本号被写进文件
    plain.save({"type": "notebook", "format": "json", "content": nb}, "plain.ipynb")
    assert nbformat.read(tmp_path / "plain.ipynb", as_version=4).metadata.language_info.version == "3.13.0"
