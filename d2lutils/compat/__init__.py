"""d2lutils 的兼容层：检查运行环境，并让 MXNet 1.9.1 能在 numpy 1.23 到今天的 numpy 2 上导入和运行。

``import d2lutils`` 调用这里的 ``prepare()``，按顺序做五件事（这就是各课先导入 d2lutils 的原因）：

1. ``check_python``、``check_numpy``：版本不在测试过的范围内时给出中文错误；
2. 装的是 GPU 版 MXNet 时预载 pip 安装的 CUDA 11 运行库（``gpu_libs``）；
3. 临时补上 numpy 删掉、而 MXNet 1.9.1 导入时还要用的名字（下文）；
4. 导入 MXNet，期间暂时挡住它顺带导入的 scikit-learn、scipy.stats、scipy.sparse（``DEFERRED_IMPORTS``）；
5. 删掉只在导入时用到的名字，numpy 的命名空间恢复原样。

另有 ``cjk_font_hint``：找不到中文字体时的安装提示（``./course.sh lab`` 启动时打印）。
本模块只依赖标准库和 numpy，导入它本身不导入 MXNet。

MXNet 1.9.1 是最后一个正式版本。它的 Python 代码通过 ctypes 调用 libmxnet，没有针对
numpy 编译的扩展，所以新 numpy 只通过“删掉的名字”让它失败：``np.PZERO``、``np.alltrue``、
``np.bool``（numpy 1.24-1.26）…… 本模块在第一次 ``import mxnet`` 之前补上当前 numpy
缺少的这些名字，导入之后再删掉只在导入时用到的那些，使 numpy 的命名空间恢复原样，
只留下 MXNet 在运行时还要用的几个（``KEPT_NAMES``，每个都写明原因）：

- ``numpy.bool``（只在 numpy 1.24-1.26 上补，值为 ``bool``，与 numpy 1.23 相同）：
  ``mx.np`` 数组的布尔索引（``mxnet/numpy/multiarray.py``）和 ``mx.np.ones_like`` 等
  在运行时读 ``_np.bool``；numpy 2 本身又有了 ``numpy.bool``，不必补。
- ``numpy.Inf``：Gluon 估计器的事件处理器（``gluon/contrib/estimator/event_handler.py``，
  如 ``EarlyStoppingHandler``）在运行时读它。
- ``numpy.compat``（只含 ``basestring = str``）：``mx.np.pad``、``mx.sym.np.pad`` 在运行时
  用 ``_np.compat.basestring`` 判断 ``mode`` 参数。它不注册进 ``sys.modules``，所以
  ``import numpy.compat`` 仍然像原来一样失败。

哪些名字要补由 ``tests/test_numpy_compat.py`` 扫描已安装的 mxnet 源代码得出
（``tools/mxnet_numpy_names.py``）：将来的 numpy 再删掉一个名字，测试会报出这个名字。
``NOT_SUPPLIED`` 列出故意不补的名字和原因。

探测 numpy 的名字时不打印任何警告：在 numpy 1.24-1.26 上，连 ``hasattr(numpy, "bool")``
都会打印 FutureWarning，那会让笔记本的导入单元格多出 stderr。除此之外，导入本模块
不产生任何输出；环境无法工作时用中文说明原因和修复方法。
"""

from __future__ import annotations

import math
import sys
import types
import warnings
from typing import Any, Callable

FIX_HINT = (
    "修复方法：在本仓库根目录运行 `./course.sh test`（会自动创建正确的虚拟环境），"
    "或按课程的 docs/install.md 用 pip 安装。"
)
# 测试过的范围（.ci/run 的各条测试线）；范围之外给出中文错误
VERIFIED_PYTHON = ((3, 10), (3, 13))
OLDEST_NUMPY = (1, 23)
VERIFIED_NUMPY_TEXT = "numpy 1.23.5（Python 3.10、3.11）和 numpy 2.x（2.0.2 到 2.5.5）"


class EnvironmentProblem(ImportError):
    """运行环境无法运行 MXNet 1.9.1 时抛出的错误（信息为中文）。"""


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def check_python(version: tuple[int, int] | None = None) -> None:
    """Python 不在测试过的 3.10-3.13 之内时给出中文错误。"""
    version = tuple(version or sys.version_info[:2])
    low, high = VERIFIED_PYTHON
    if not low <= version <= high:
        raise EnvironmentProblem(
            f"当前 Python 版本是 {version[0]}.{version[1]}。本课程（MXNet 1.9.1）只在 Python "
            f"{low[0]}.{low[1]} 到 {high[0]}.{high[1]} 上测试过，请改用其中之一。" + FIX_HINT
        )


def check_numpy(numpy_version: str) -> None:
    """numpy 早于 1.23 或是还没出现的 3.x 时给出中文错误，说明测试过的版本。"""
    v = _version_tuple(numpy_version)
    if v[:2] < OLDEST_NUMPY or v[0] >= 3:
        raise EnvironmentProblem(
            f"当前安装的 numpy 版本是 {numpy_version}，本课程没有在它上面测试过；"
            f"测试过的是 {VERIFIED_NUMPY_TEXT}。" + FIX_HINT
        )


# ---- numpy 删掉、而 MXNet 1.9.1 的 Python 代码仍在使用的名字 ----

def _numpy_func(name: str, body: Callable[..., Any]) -> Callable[..., Any]:
    body.__name__ = body.__qualname__ = name
    body.__doc__ = f"numpy 2 删除的 numpy.{name} 的替身（d2lutils 为 MXNet 1.9.1 补上）。"
    return body


def _removed_financial(name: str) -> Callable[..., Any]:
    def stub(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"numpy.{name} 早在 numpy 1.20 就移到了 numpy_financial 包，"
                           f"请用 numpy_financial.{name}。")
    return _numpy_func(name, stub)


def _supplies(np: types.ModuleType) -> dict[str, Callable[[], Any]]:
    """名字 -> 生成替身的函数（只在 numpy 缺少这个名字时调用）。"""
    compat = types.ModuleType("numpy.compat", "d2lutils 为 MXNet 1.9.1 补上的最小 numpy.compat。")
    compat.basestring = str
    funcs = {
        # 导入时：mxnet/numpy/utils.py 把它们复制为 mx.np 的常量
        "PZERO": lambda: 0.0, "NZERO": lambda: -0.0, "PINF": lambda: math.inf,
        "NINF": lambda: -math.inf, "NAN": lambda: math.nan, "NaN": lambda: math.nan,
        # 导入时：mxnet/numpy/fallback.py 把它们作为 mx.np 的“交给 numpy 计算”的函数
        "alltrue": lambda: _numpy_func("alltrue", lambda *a, **k: np.all(*a, **k)),
        "msort": lambda: _numpy_func("msort", lambda a: np.sort(a, axis=0)),
        "in1d": lambda: _numpy_func("in1d", lambda ar1, ar2, *a, **k: np.isin(np.ravel(ar1), ar2, *a, **k)),
        "trapz": lambda: _numpy_func("trapz", lambda *a, **k: np.trapezoid(*a, **k)),
        # 导入时：mxnet/numpy_dispatch_protocol.py 按名字查找，登记 __array_function__ 分派；
        # 用各自独立的函数对象，不与 np.any/np.round/np.prod 的登记冲突
        "sometrue": lambda: _numpy_func("sometrue", lambda *a, **k: np.any(*a, **k)),
        "round_": lambda: _numpy_func("round_", lambda *a, **k: np.round(*a, **k)),
        "product": lambda: _numpy_func("product", lambda *a, **k: np.prod(*a, **k)),
        # 运行时（见 KEPT_NAMES）
        "bool": lambda: bool,
        "Inf": lambda: math.inf,
        "compat": lambda: compat,
    }
    for name in ("pv", "npv", "pmt", "ppmt", "mirr", "rate"):
        funcs[name] = (lambda n=name: _removed_financial(n))
    return funcs


# 导入 MXNet 之后仍留在 numpy 里的名字（只在 numpy 本来缺少时才补）和原因
KEPT_NAMES: dict[str, str] = {
    "bool": "mx.np 数组的布尔索引（mxnet/numpy/multiarray.py）等在运行时读 _np.bool；"
            "只在 numpy 1.24-1.26 上缺少，补为 bool（与 numpy 1.23 相同）",
    "Inf": "Gluon 估计器的事件处理器（gluon/contrib/estimator/event_handler.py）在运行时读 np.Inf",
    "compat": "mx.np.pad / mx.sym.np.pad 在运行时用 _np.compat.basestring 判断 mode 参数",
}
# 故意不补的名字和原因（扫描测试承认它们）
NOT_SUPPLIED: dict[str, str] = {
    "int": "只有 mxnet.test_utils.chi_square_check（MXNet 自己测试随机数采样器的函数）用它；"
           "课程不用。补上 numpy.int 会让别的库和学习者的旧代码在 numpy 2 上静悄悄地通过，"
           "改变它们的行为（numpy 1.24 起就没有 numpy.int）",
}


def _lacks(np: types.ModuleType, name: str) -> bool:
    with warnings.catch_warnings():  # numpy 1.24-1.26：探测 np.bool 会打印 FutureWarning
        warnings.simplefilter("ignore")
        try:
            getattr(np, name)
        except AttributeError:
            return True
    return False


def supply_numpy_names(np: types.ModuleType | None = None) -> list[str]:
    """在 numpy 里补上 MXNet 1.9.1 需要而 numpy 缺少的名字，返回补上的名字。"""
    if np is None:
        import numpy as np
    added = []
    for name, make in _supplies(np).items():
        if _lacks(np, name):
            setattr(np, name, make())
            added.append(name)
    return added


def restore_numpy_names(added: list[str], np: types.ModuleType | None = None) -> None:
    """删掉补上的名字中只在导入 MXNet 时用到的那些（KEPT_NAMES 里的留下）。"""
    if np is None:
        import numpy as np
    for name in added:
        if name not in KEPT_NAMES and name in vars(np):
            delattr(np, name)


# mxnet 1.9.1 导入时顺带导入几个库，只为了课程用不到的功能：mxnet.model 的旧 API FeedForward
# 继承 sklearn 的 BaseEstimator，int8 量化的校准（contrib.quantization）用 scipy.stats，
# mx.nd.array 接受 scipy 的稀疏矩阵（mxnet.ndarray 的 utils 和 sparse 模块）用 scipy.sparse。
# 在今天的 scikit-learn 1.9 / scipy 1.18 上，这三次导入占了 import mxnet 的大半时间（2 核机器上
# 约 2.1 秒，只剩 1.3 秒）。所以导入 mxnet 时暂时挡住它们（只挡还没导入的），导入之后立刻撤掉，
# 并给 mxnet 换上按需导入的替身：之后 import sklearn、scipy.stats、scipy.sparse 照常工作，
# 量化校准和稀疏矩阵的转换也照常工作。唯一的区别是 mxnet.model.FeedForward 不再是
# sklearn 的 BaseEstimator 子类。
DEFERRED_IMPORTS = ("sklearn", "scipy.stats", "scipy.sparse")


class _LazyModule(types.ModuleType):
    """第一次访问属性时才导入的模块替身（给 mxnet.contrib.quantization 的 scipy.stats 用）。"""

    def __getattr__(self, attr: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self.__name__), attr)


class _NoInstances:
    """没有任何实例的类：isinstance(x, _NoInstances) 总是 False。"""


class _LazySparse(_LazyModule):
    """mxnet.ndarray 里 scipy.sparse 的替身。mx.nd.array(x) 每次都检查
    isinstance(x, spsp.csr.csr_matrix)；还没有谁导入 scipy.sparse 时，x 不可能是 scipy 的稀疏矩阵，
    这时给出一个没有实例的类，不必为这个检查导入 scipy.sparse。其他属性都来自真正的 scipy.sparse。"""

    def __getattr__(self, attr: str) -> Any:
        if attr == "csr" and self.__name__ not in sys.modules:
            return types.SimpleNamespace(csr_matrix=_NoInstances)
        return super().__getattr__(attr)


def _import_mxnet(gpu_build: str | None) -> None:
    blocked = [m for m in DEFERRED_IMPORTS if m not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # import 时立即 ImportError，mxnet 会跳过
    try:
        _import_mxnet_now(gpu_build)
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    import importlib.util

    if importlib.util.find_spec("scipy") is None:
        return
    for module, attr, stand_in in (("mxnet.contrib.quantization", "stats", _LazyModule("scipy.stats")),
                                   ("mxnet.ndarray.utils", "spsp", _LazySparse("scipy.sparse")),
                                   ("mxnet.ndarray.sparse", "spsp", _LazySparse("scipy.sparse"))):
        module = sys.modules.get(module)
        if module is not None and getattr(module, attr, 0) is None:
            setattr(module, attr, stand_in)


def _import_mxnet_now(gpu_build: str | None) -> None:
    try:
        with warnings.catch_warnings():
            # mxnet 导入时自己访问 distutils、onp.mirr 等，会触发
            # FutureWarning/DeprecationWarning；这些与学习者的代码无关，不显示
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            import mxnet  # noqa: F401
    except ImportError as err:
        raise EnvironmentProblem(
            f"无法导入 MXNet（{err}）。请安装 mxnet==1.9.1（pip install --no-deps mxnet==1.9.1）"
            "和它的依赖 requests。" + FIX_HINT
            + ("在 Python 3.12 及更新版本上还需要 setuptools（提供 distutils）。"
               if sys.version_info >= (3, 12) else "")
        ) from err
    except OSError as err:  # GPU 版 MXNet 找不到 CUDA 运行库（如 libcudnn.so.8）或显卡驱动
        to_cpu = f"只想用 CPU：pip uninstall -y {gpu_build or 'mxnet'} && pip install --no-deps mxnet==1.9.1。"
        if "libcuda.so" in str(err):
            raise EnvironmentProblem(
                f"{gpu_build or 'MXNet'} 是 GPU 版，但这台机器上没有 NVIDIA 显卡驱动（{err}）。"
                "请在有 NVIDIA GPU 的机器（或 Colab 的 GPU 运行时）上使用它；" + to_cpu) from err
        raise EnvironmentProblem(
            f"无法载入 {gpu_build or 'MXNet'} 需要的库（{err}）。GPU 版需要 CUDA 11 运行库："
            "pip install -r requirements-gpu.txt（见课程的 docs/gpu.md）；" + to_cpu) from err


def prepare() -> None:
    """按顺序检查 Python、numpy，补上 numpy 缺少的名字，导入 MXNet，再恢复 numpy 的命名空间。"""
    check_python()
    try:
        import numpy
    except ImportError as err:  # pragma: no cover - 取决于安装
        raise EnvironmentProblem("没有安装 numpy。" + FIX_HINT) from err
    check_numpy(numpy.__version__)
    if "mxnet" in sys.modules:  # 已经导入过（例如 d2lutils 被重新导入）：什么也不做
        return
    from .gpu_libs import installed_gpu_build, preload_cuda_libs

    gpu_build = installed_gpu_build()
    if gpu_build:  # 只有装了 GPU 版 MXNet 时才载入 CUDA 11 运行库；CPU 版什么也不做
        try:
            preload_cuda_libs()
        except OSError as err:
            raise EnvironmentProblem(str(err)) from err
    added = supply_numpy_names(numpy)
    try:
        _import_mxnet(gpu_build)
    finally:
        restore_numpy_names(added, numpy)


LAUNCHER_MODULE = "d2lutils.dist.launch"


def started_as_launcher(argv: list[str] | None = None) -> bool:
    """本进程是否由 ``python -m d2lutils.dist.launch`` 启动（启动器只管理进程，不需要 MXNet）。

    看的是解释器的原始命令行 ``sys.orig_argv``：``-m`` 之前不能有 ``-c``，``-m`` 之后紧跟启动器的模块名。
    """
    argv = list(sys.orig_argv if argv is None else argv)[1:]
    if "-m" not in argv or "-c" in argv[:argv.index("-m")]:
        return False
    return argv[argv.index("-m") + 1:argv.index("-m") + 2] == [LAUNCHER_MODULE]


# 课程环境（requirements.txt、environment.yml）和在线平台的设置单元格都用 pip 装的中文字体
# （与 tools/notebook_headers.py 的 FONT_PIN 相同，有测试检查）
PIP_FONT_PIN = "paperang-p2-fonts-cjk==0.1.0"


def cjk_font_hint() -> str | None:
    """真的找不到中文字体（系统字体和 pip 字体包都没有）时返回怎样安装的中文提示（``./course.sh lab`` 启动时
    打印一次，测试的图比较失败时也附上）；找得到时返回 None。"""
    from ..plotting import use_cjk_font

    if use_cjk_font() is not None:
        return None
    return ("这个 Python 环境里找不到中文字体，课程图中的中文标题会显示为方框。课程环境本来自带一个"
            f"（requirements.txt 里的 {PIP_FONT_PIN}），请补装它：{sys.executable} -m pip install --no-deps "
            f"{PIP_FONT_PIN}（文泉驿微米黑）；或者安装系统字体：sudo apt-get install fonts-wqy-microhei"
            "（Debian/Ubuntu）。装好后重新运行笔记本即可，存储的输出不受影响。")
