"""画图辅助函数：有中文字体时使用它；没有时不产生任何随机器变化的警告。"""

import subprocess
import sys

SCRIPT = r"""
import warnings
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager
import d2lutils
import d2lutils.plotting as p
from mxnet import nd
{setup}
A, B = nd.ones((2, 3)), nd.array([[1, -1]])  # mxnet 首次创建数组时有自己的弃用警告，先创建
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")      # 任何警告都会被记录下来
    p.show_heatmaps([A, B], ["输入 X", "卷积核 K"])
    p.plot([1, 2, 3], [[3, 2, 1], [1, 2, 3]], xlabel="迭代周期", ylabel="损失", legend=["甲", "乙"])
    for num in plt.get_fignums():
        plt.figure(num).canvas.draw()      # 真正渲染文字：缺字形的警告在这里产生
print("font:", p.use_cjk_font())
print("warnings:", [str(w.message) for w in caught])
"""

# 没有中文字体的机器：没有系统字体文件，也没有 pip 装的字体包（课程环境里装着它，这里假装没有）
NO_CJK = r"""
p._CJK_FONT_FILES = ()
p.PIP_FONT_PACKAGE = "no_such_font_package"
font_manager.fontManager.ttflist = [f for f in font_manager.fontManager.ttflist
                                    if f.name not in p._CJK_FAMILIES]
"""


def test_without_a_cjk_font_nothing_is_printed():
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(setup=NO_CJK)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr == "", out.stderr
    assert "font: None" in out.stdout
    assert "warnings: []" in out.stdout


def test_uses_an_installed_cjk_font_when_there_is_one():
    import warnings

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import d2lutils.plotting as p

    # 从 matplotlib 的默认设置开始（同一进程里先运行的测试可能改过 rcParams），结束后恢复
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        # 课程环境自带中文字体（requirements.txt 固定的 pip 字体包），所以不论机器上有没有系统字体都能找到
        family = p.use_cjk_font()
        assert family is not None, "课程环境里找不到中文字体：pip 字体包没有装上？"
        assert matplotlib.rcParams["font.sans-serif"][0] == family
        fig, ax = plt.subplots()
        ax.set_title("卷积核")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
        plt.close(fig)
    # 只看与字体有关的警告：同一进程里别的测试留下的对象（例如没关闭的 sqlite 连接）可能恰好在这时被回收并发出 ResourceWarning
    assert [str(w.message) for w in caught if "Glyph" in str(w.message) or "font" in str(w.message).lower()] == []
