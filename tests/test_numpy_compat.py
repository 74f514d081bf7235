"""MXNet 1.9.1 与当前 numpy 的兼容层（d2lutils/compat/__init__.py）。

- 扫描已安装的 mxnet 源代码：它引用而当前 numpy 缺少的每个名字，兼容层都补上了
  （或在 NOT_SUPPLIED 里写明了不补的原因）。将来的 numpy 再删一个名字，这里报出它的名字。
- 导入 d2lutils 之后 numpy 的命名空间不变，只多出 KEPT_NAMES 里 MXNet 运行时要用的名字。
- 导入 d2lutils 之后，pandas、scipy、scikit-learn、matplotlib 照常工作。
"""

import importlib.util
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# 直接载入 compat/__init__.py 而不导入 d2lutils 包：兼容层缺一个名字时 `import d2lutils` 本身就会失败，
# 这样测试仍能收集，并在断言里报出缺少的名字
_spec = importlib.util.spec_from_file_location("d2lutils_env_alone", ROOT / "d2lutils" / "compat" / "__init__.py")
compat = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compat)
SCANNER = ROOT / "tools" / "mxnet_numpy_names.py"


@pytest.fixture(scope="module")
def missing_in_numpy():
    """在一个没有导入过 d2lutils 的进程里扫描：名字 -> [[文件, 行, 是否在函数体内], ...]。"""
    out = subprocess.run([sys.executable, "-W", "ignore", str(SCANNER), "--json"],
                         capture_output=True, text=True, check=True, cwd=ROOT / "tests")
    return json.loads(out.stdout)


def test_every_name_mxnet_needs_is_supplied(missing_in_numpy):
    import numpy
    supplied = set(compat._supplies(numpy))
    unhandled = {name: refs[0] for name, refs in missing_in_numpy.items()
                 if name.split(".", 1)[1] not in supplied | set(compat.NOT_SUPPLIED)}
    assert not unhandled, (f"numpy {numpy.__version__} 缺少 mxnet 引用的这些名字，d2lutils/compat/__init__.py 没有补上："
                           f"{unhandled}")


def test_run_time_names_are_kept(missing_in_numpy):
    # 在函数体内（运行时）才读的名字，导入之后不能从 numpy 里删掉
    for name, refs in missing_in_numpy.items():
        short = name.split(".", 1)[1]
        if any(in_function for _, _, in_function in refs) and short not in compat.NOT_SUPPLIED:
            assert short in compat.KEPT_NAMES, f"{name} 在运行时被读取（{refs[0]}），却在导入后被删掉"


def test_scanner_sees_references_and_ignores_docstrings(tmp_path):
    sys.path.insert(0, str(SCANNER.parent))
    try:
        import mxnet_numpy_names as scanner
    finally:
        sys.path.pop(0)
    pkg = tmp_path / "fakepkg"
    pkg.mkdir()
    (pkg / "a.py").write_text(
        '""">>> np.not_code_in_a_docstring"""\n'
        "import numpy as onp\nimport numpy.random as rnd\nfrom numpy import linalg as LA\n"
        "X = onp.no_such_name_at_import\n"
        "def f():\n    return onp.core.no_such_name_at_run_time, rnd.rand, LA.norm\n"
        "NAMES = ['sum', 'no_such_in_table']\n"
        "def g(n):\n    return getattr(onp, n)\n", encoding="utf-8")
    found = scanner.missing(scanner.scan(pkg))
    assert set(found) == {"numpy.no_such_name_at_import", "numpy.core.no_such_name_at_run_time",
                          "numpy.no_such_in_table"}
    assert [r.in_function for r in found["numpy.no_such_name_at_import"]] == [False]
    assert [r.in_function for r in found["numpy.core.no_such_name_at_run_time"]] == [True]


def test_supply_and_restore_on_a_bare_module():
    # 一个什么都没有的假 numpy：每个名字都补上；导入之后只留下 KEPT_NAMES
    fake = types.ModuleType("fake_numpy")
    fake.all, fake.any = all, any
    added = compat.supply_numpy_names(fake)
    assert set(added) == set(compat._supplies(fake))
    assert fake.NaN != fake.NaN and fake.NINF == float("-inf") and fake.compat.basestring is str
    assert fake.alltrue([1, 1]) is True and fake.sometrue([0, 1]) is True
    with pytest.raises(RuntimeError, match="numpy_financial"):
        fake.pv(0.1, 1, 1)
    compat.restore_numpy_names(added, fake)
    assert {n for n in vars(fake) if not n.startswith("__")} == {"all", "any"} | set(compat.KEPT_NAMES)
    # 已有的名字不动
    fake2 = types.ModuleType("fake_numpy2")
    fake2.NaN = "mine"
    assert "NaN" not in compat.supply_numpy_names(fake2) and fake2.NaN == "mine"


# 在一个新进程里依次检查（两项检查共用一次导入 MXNet，约 1 秒）：导入 d2lutils 前后 numpy 的命名空间，
# 然后是导入 mxnet 时暂时挡住的库。每项检查各打印一行 JSON。
FRESH_IMPORT = """
import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
before = set(dir(np))
values = dict(vars(np))
import d2lutils
# 别的包导入 numpy 的子模块（如 numpy.typing）也会在 numpy 上多出一个属性：那不是我们改的
after = {n for n in dir(np) if not (n not in before and sys.modules.get("numpy." + n) is getattr(np, n))}
changed = sorted(n for n, v in values.items() if vars(np).get(n, None) is not v)
print(json.dumps([sorted(after - before), sorted(before - after), changed]), flush=True)

import mxnet as mx
deferred = ("sklearn", "scipy.stats", "scipy.sparse")
seen = {"imported": [m for m in deferred if m in sys.modules],
        "blocked": [m for m in deferred if sys.modules.get(m, 1) is None]}
dense = mx.nd.array([[0.0, 1.0], [2.0, 0.0]])
seen["sparse_imported_by_array"] = "scipy.sparse" in sys.modules
import sklearn.base, scipy.stats, scipy.sparse
from mxnet.contrib import quantization
csr = mx.nd.array(scipy.sparse.csr_matrix(dense.asnumpy()))
back = csr.asscipy()
seen["used"] = [round(float(quantization.stats.entropy([0.5, 0.5])), 4), sklearn.base.BaseEstimator.__name__,
                type(dense).__name__, type(csr).__name__, type(back).__name__, back.toarray().tolist()]
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def fresh_import():
    run = subprocess.run([sys.executable, "-c", FRESH_IMPORT], capture_output=True, text=True)
    return run, [json.loads(line) for line in run.stdout.splitlines()]


def test_numpy_namespace_is_unchanged_except_kept_names(fresh_import):
    run, lines = fresh_import
    assert lines, run.stderr
    added, removed, changed = lines[0]
    assert removed == [] and changed == []
    assert set(added) <= set(compat.KEPT_NAMES), added


def test_other_libraries_work_after_d2lutils():
    import d2lutils  # noqa: F401  先导入课程的包，再用别的库
    import io

    import numpy as np
    import scipy.signal
    from sklearn.linear_model import LinearRegression
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X = np.arange(12.0).reshape(3, 4)
    K = np.array([[1.0, -1.0]])
    assert scipy.signal.correlate2d(X, K, mode="valid").tolist() == [[-1.0] * 3] * 3
    model = LinearRegression().fit(np.arange(5.0).reshape(-1, 1), 2 * np.arange(5.0) + 1)
    assert model.coef_[0] == pytest.approx(2.0) and model.intercept_ == pytest.approx(1.0)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    assert buf.getvalue().startswith(b"\x89PNG")
    import pandas as pd  # 每条测试线都装了它（requirements.txt、requirements-numpy1.txt）：在线平台都预装 pandas
    df = pd.DataFrame({"k": ["a", "b", "a"], "v": [1.0, 2.0, 3.0]})
    assert df.groupby("k")["v"].mean().to_dict() == {"a": 2.0, "b": 2.0}
    assert pd.Series(np.arange(4.0)).rolling(2).sum().tolist()[1:] == [1.0, 3.0, 5.0]
    assert df["v"].to_numpy().dtype == np.float64 and bool(pd.isna(pd.Series([1.0, np.nan])).iloc[1])


def test_mxnet_import_defers_sklearn_and_scipy_without_breaking_them(fresh_import):
    """导入 mxnet 时暂时挡住 sklearn、scipy.stats 和 scipy.sparse（省下大半的导入时间），之后它们照常可用：
    量化校准用的 scipy.stats，mx.nd.array 对 scipy 稀疏矩阵的转换（导入 scipy.sparse 之前和之后）。"""
    run, lines = fresh_import
    assert run.returncode == 0 and len(lines) == 2, run.stderr
    seen = lines[1]
    assert seen["imported"] == [], "imported eagerly"
    assert seen["blocked"] == []
    assert not seen["sparse_imported_by_array"], "mx.nd.array imported scipy.sparse"
    assert seen["used"] == [0.6931, "BaseEstimator", "NDArray", "CSRNDArray", "csr_matrix", [[0.0, 1.0], [2.0, 0.0]]]
