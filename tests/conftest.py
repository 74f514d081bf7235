import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))  # 让测试能导入 oracle.py


def pytest_collectstart(collector):
    """在导入任何测试模块之前导入 d2lutils（测试模块直接 import mxnet，要先有 d2lutils 补上的 numpy 名字）。
    放在收集开始时而不是本文件顶部：xdist 的主进程不收集测试，也就不必花 1.4 秒导入 mxnet。"""
    import d2lutils  # noqa: F401

# hypothesis 的设置：默认（每次测试、CI）固定随机种子，结果可复现；
# HYPOTHESIS_PROFILE=long 时例子多 10 倍、每次不同，用来寻找新的问题（见 CONTRIBUTING.md）。
# 显式写了 max_examples 的测试保持自己的个数；tests/test_fuzz_public_api.py 用这里的个数。
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("course", max_examples=200, deadline=None, derandomize=True,
                          suppress_health_check=_QUIET, print_blob=True)
settings.register_profile("long", max_examples=2000, deadline=None, derandomize=False,
                          suppress_health_check=_QUIET, print_blob=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "course"))
