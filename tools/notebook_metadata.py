"""笔记本顶层元数据的存储形式，以及 JupyterLab 保存笔记本前把元数据恢复成它的钩子。

JupyterLab 打开笔记本、连上内核后，把内核报告的 kernelspec 和 language_info 写进元数据；
与存储的不同（哪怕只差一个键）就标记为已修改，几分钟后自动保存：tracked 的课程出现
只有元数据的改动。因此存储的就是内核报告的内容，只少了 ``language_info.version``：
它是 Python 的完整版本号（3.11.7、3.12.1、3.13.0……），每条测试环境都不同，存储哪个都不对。
``./course.sh lab`` 让 Jupyter 服务器载入 tools/jupyter/jupyter_server_config.py，它在每次保存前
调用 ``pre_save_hook`` 去掉这个版本号，于是自动保存写回的字节与存储的相同。
tools/run_notebooks.py 的 normalize() 也用 ``normalize_metadata``。
"""

from __future__ import annotations

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# ipykernel 的 IPythonKernel.language_info 去掉 version（tests/test_lab_metadata.py 核对）
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}


def normalize_metadata(metadata: dict) -> None:
    """把 Python 笔记本的顶层元数据改成存储形式（就地修改）；其他语言的笔记本只去掉版本号。"""
    info = metadata.get("language_info") or {}
    if info.get("name", "python") == "python":
        metadata["kernelspec"] = dict(KERNELSPEC)
        metadata["language_info"] = {k: (dict(v) if isinstance(v, dict) else v)
                                     for k, v in LANGUAGE_INFO.items()}
    else:
        info.pop("version", None)
    metadata.pop("widgets", None)


def pre_save_hook(model: dict, **kwargs) -> None:
    """Jupyter 服务器的 ContentsManager.pre_save_hook：保存笔记本前规范化它的顶层元数据。"""
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        normalize_metadata(model["content"].setdefault("metadata", {}))
