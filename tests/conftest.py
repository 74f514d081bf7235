import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # 让测试能导入 oracle.py
import d2lutils  # noqa: E402,F401  必须先于 mxnet 导入（numpy.bool 别名）
