"""基于性质的模糊测试：d2lutils.__all__ 里的每个名字都要经受各种错误输入。

每次调用要么返回正确的结果（对照 tests/oracle.py 的 NumPy 参考实现），要么抛出 ValueError、TypeError
或 EnvironmentProblem，信息是中文，并写出出错的参数和它的值或形状；绝不能是 MXNet 内部错误、IndexError、
崩溃或挂住。用例在 tests/fuzz_cases.py。例子个数由 hypothesis 的设置决定（tests/conftest.py）：
默认每个名字 200 个、固定种子；HYPOTHESIS_PROFILE=long 时 2000 个、每次不同。
"""

import contextlib
import faulthandler
import re
import sys
import time

import mxnet as mx
import pytest
from hypothesis import given, settings
from mxnet import npx

import d2lutils
import fuzz_cases
from fuzz_cases import FEW_INPUTS, FUZZ, PLOTTING, Case
from d2lutils._arrays import ALL_DTYPES, DTYPE_TABLE

CJK = re.compile(r"[\u4e00-\u9fff]")
ALLOWED = (ValueError, TypeError, d2lutils.EnvironmentProblem)
SLOW_CALL_S = 20  # 一次调用超过它就算挂住（机器很忙时也远远够用）


def test_every_public_name_is_fuzzed():
    missing = sorted(set(d2lutils.__all__) - set(FUZZ))
    assert not missing, f"这些公共名字没有模糊测试用例，请在 tests/fuzz_cases.py 的 FUZZ 中登记：{missing}"
    assert sorted(set(FUZZ) - set(d2lutils.__all__)) == []


def run_case(case: Case) -> None:
    if case.np_shape:
        npx.set_np()
    start = time.perf_counter()
    try:
        result = case.call()
        if isinstance(result, mx.nd.NDArray):
            result.wait_to_read()
    except ALLOWED as err:
        message = str(err)
        assert case.bad is not None, f"好的输入却出错：{case.what}\n{type(err).__name__}: {message}"
        assert CJK.search(message), f"错误信息不是中文：{case.what}\n{message}"
        missing = [w for w in case.bad if w not in message]
        assert not missing, f"错误信息没有写出 {missing}：{case.what}\n{type(err).__name__}: {message}"
        return
    except Exception as err:  # MXNetError、IndexError、KeyError、ZeroDivisionError……
        pytest.fail(f"{case.what}\n不是清楚的中文错误，而是 {type(err).__name__}: {str(err)[:500]}")
    finally:
        if case.np_shape:
            npx.reset_np()
        mx.nd.waitall()  # MXNet 异步执行：算子的错误在这里抛出
        elapsed = time.perf_counter() - start
        assert elapsed < SLOW_CALL_S, f"{case.what} 用了 {elapsed:.1f} 秒"
    assert case.bad is None, f"错误的输入被接受了（应报告 {case.bad}）：{case.what}"
    case.check(result)


@contextlib.contextmanager
def quiet_plots():
    """画图的名字：plt.show 换成把当前的图记在 SHOWN 里（由 check 核对），并跳过排版。"""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plt, "show", lambda: fuzz_cases.SHOWN.append(plt.gcf()))
        # 排版（刻度文字的包围盒）占画图时间的八成，而这里核对的是画出的数据：跳过排版
        patch.setattr(Figure, "tight_layout", lambda self, *a, **k: None)
        yield


def fuzz_name(name: str) -> None:
    """对一个公共名字运行它的全部模糊测试例子（个数见 tests/conftest.py），并确认例子的个数够了。"""
    wanted = settings().max_examples  # 个数来自当前的设置（见 tests/conftest.py）
    ran = []

    @settings(max_examples=wanted)
    @given(case=FUZZ[name])
    def fuzz(case):
        ran.append(case.what)
        try:
            run_case(case)
        finally:
            if name in PLOTTING:  # 每个例子之后关闭图
                sys.modules["matplotlib.pyplot"].close("all")
                fuzz_cases.SHOWN.clear()

    faulthandler.dump_traceback_later(900, exit=True)  # 真的挂住时打印各线程的位置并结束
    try:
        with quiet_plots() if name in PLOTTING else contextlib.nullcontext():
            fuzz()
    finally:
        faulthandler.cancel_dump_traceback_later()
    # hypothesis 试完了策略能生成的所有输入时会提前停下：那样的策略太窄
    assert len(ran) >= wanted or name in FEW_INPUTS, f"{name} 只运行了 {len(ran)} 个例子（应为 {wanted}）"


# 数组运算和几个训练函数在这个文件里测试，其余（画图、数据……）在 test_fuzz_public_api_more.py：
# 两个文件由 pytest-xdist 的两个进程并行运行（--dist loadfile 按文件分配），两边用时大致相同
ARRAY_NAMES = sorted(n for n in FUZZ if n.startswith(("corr2d", "im2col", "pool2d", "Conv2D", "HybridConv2D"))
                     or n in ("learn_kernel", "train_step", "accuracy", "evaluate_accuracy"))


@pytest.mark.filterwarnings("ignore::DeprecationWarning:matplotlib.*")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy 参考实现里的 inf*0 等（结果为 NaN，正是要核对的）
@pytest.mark.parametrize("name", ARRAY_NAMES)
def test_fuzz(name):
    fuzz_name(name)


# ---------- 数据类型表：docs/dtypes.md 里的表由 DTYPE_TABLE 生成，这里逐项核对 ----------

def test_readme_dtype_table_is_generated_from_the_code():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "docs" / "dtypes.md").read_text(encoding="utf-8")
    table = d2lutils._arrays.dtype_table_markdown()
    assert table in readme, ("docs/dtypes.md 的表与 d2lutils._arrays.DTYPE_TABLE 不一致；用 "
                             "python -c 'import d2lutils._arrays as a; print(a.dtype_table_markdown())' 重新生成：\n"
                             + table)


def test_dtype_table_covers_every_dtype_decision():
    assert set(DTYPE_TABLE) >= {"corr2d", "corr2d_fast", "pool2d", "im2col", "Conv2D"}
    for fn, table in DTYPE_TABLE.items():
        assert set(table) <= set(ALL_DTYPES), fn
        assert {"float32", "float64"} <= set(table), fn
