"""./course.sh lab 通过 JUPYTER_CONFIG_PATH 载入的 Jupyter 服务器设置：
保存笔记本前去掉随 Python 版本变化的元数据（见 tools/notebook_metadata.py）。"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from notebook_metadata import pre_save_hook  # noqa: E402

c = get_config()  # noqa: F821  Jupyter 载入本文件时提供 get_config
c.ContentsManager.pre_save_hook = pre_save_hook
