"""模糊测试（续）：d2lutils 中数组运算以外的公共名字（设备、画图、数据与训练），做法见 test_fuzz_public_api.py。"""

import pytest

from fuzz_cases import FUZZ
from test_fuzz_public_api import ARRAY_NAMES, fuzz_name


@pytest.mark.filterwarnings("ignore::DeprecationWarning:matplotlib.*")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy 参考实现里的 inf*0 等（结果为 NaN，正是要核对的）
@pytest.mark.filterwarnings("ignore::UserWarning")  # 例如对数坐标上没有正数（matplotlib 的提示，不是错误）
@pytest.mark.parametrize("name", sorted(set(FUZZ) - set(ARRAY_NAMES)))
def test_fuzz(name):
    fuzz_name(name)
