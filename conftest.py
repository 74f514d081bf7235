"""整个测试套件的设置：在任何内核启动之前固定 Python 的哈希种子。

nbval 启动的内核继承这个环境变量，所以打印集合等输出与 tools/run_notebooks.py
生成时一致。
"""

import os

os.environ["PYTHONHASHSEED"] = "0"
