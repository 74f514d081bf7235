"""./course.sh lab 通过 JUPYTER_CONFIG_PATH 载入的 Jupyter 服务器设置：
保存笔记本前去掉随 Python 版本变化的元数据（见 tools/notebook_metadata.py）。

同一目录的 labconfig/default_setting_overrides.json 改变 JupyterLab 设置的默认值：不问“要不要接收
Jupyter 新闻”（fetchNews 为 "false"），不检查 JupyterLab 的新版本。学习者打开课程时第一屏就是这一课，
没有盖住它的通知；想看新闻的人仍可在“设置 → 通知”里打开。"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from notebook_metadata import pre_save_hook  # noqa: E402

c = get_config()  # noqa: F821  Jupyter 载入本文件时提供 get_config
c.ContentsManager.pre_save_hook = pre_save_hook
