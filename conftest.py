"""整个测试套件的设置：在任何内核启动之前固定 Python 的哈希种子。

nbval 启动的内核继承这个环境变量，所以打印集合等输出与 tools/run_notebooks.py
生成时一致。
"""

import os

os.environ["PYTHONHASHSEED"] = "0"

# 学习者的副本（./course.sh lab 建立，git 不跟踪）从不被测试收集：测试只用 notebooks/ 里的原始课程
collect_ignore = ["my-notebooks"]

# nbval 比较输出时也比较每张存储的图（tests/nbval_figures.py）
pytest_plugins = ["tests.nbval_figures"]
