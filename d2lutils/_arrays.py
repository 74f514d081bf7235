"""两种数组接口（旧版 ``nd`` 与 ``mx.np``）之间的转换，以及输入检查。

本包的每个函数在内部用旧版 ``nd.NDArray`` 计算：输入若是 ``mx.np.ndarray``，
先零拷贝地转成 ``NDArray``，算完再转回去。两种转换都保留自动求导的计算图。
"""

from __future__ import annotations

from typing import Sequence, Union

import mxnet as mx
import numpy as onp

Array = Union[mx.nd.NDArray, "mx.np.ndarray"]


def is_np_array(x: object) -> bool:
    """``x`` 是否是 ``mx.np.ndarray``（注意它同时也是 ``nd.NDArray`` 的子类）。"""
    return isinstance(x, mx.np.ndarray)


def as_nd(x: object, name: str) -> mx.nd.NDArray:
    """把 ``nd``/``mx.np`` 数组转成旧版 ``NDArray``；其他类型给出中文错误。"""
    if is_np_array(x):
        return x.as_nd_ndarray()
    if isinstance(x, mx.nd.NDArray):
        return x
    raise TypeError(
        f"{name} 应该是 MXNet 数组（mxnet.nd.NDArray 或 mxnet.np.ndarray），"
        f"实际得到的是 {type(x).__name__}。可以用 nd.array(...) 或 np.array(...) 创建。"
    )


def like(result: mx.nd.NDArray, template: object) -> Array:
    """把计算结果转回与 ``template`` 相同的数组接口。"""
    return result.as_np_ndarray() if is_np_array(template) else result


def check_ndim(x: mx.nd.NDArray, ndim: int, name: str, meaning: str) -> None:
    """检查维数（例如二维的 (高, 宽)），不符时给出带形状的中文错误。"""
    if x.ndim != ndim:
        raise ValueError(
            f"{name} 应该是 {ndim} 维数组 {meaning}，实际形状是 {tuple(x.shape)}（{x.ndim} 维）。"
        )
    if 0 in x.shape:
        raise ValueError(f"{name} 是空数组，形状为 {tuple(x.shape)}；每一维的长度都必须至少为 1。")


def check_window_fits(
    in_hw: Sequence[int], window_hw: Sequence[int], in_name: str, window_name: str,
    padding: Sequence[int] = (0, 0),
) -> None:
    """检查窗口（卷积核或汇聚窗口）不大于（填充后的）输入，否则给出中文错误。"""
    padded = tuple(int(s) + 2 * int(p) for s, p in zip(in_hw, padding))
    if any(w > s for w, s in zip(window_hw, padded)):
        if any(padding):
            where = f"填充后的输入的高和宽 {padded}（{in_name} 为 {tuple(in_hw)}，填充为 {tuple(padding)}）"
        else:
            where = f"{in_name} 的高和宽 {padded}"
        raise ValueError(f"{window_name} 的高和宽 {tuple(window_hw)} 不能大于{where}。")



# ---------- 数据类型 ----------
# MXNet 提供的全部数据类型，以及各数值函数对它们的处理（docs/dtypes.md 的表由它生成，
# tests/test_fuzz_public_api.py 逐项检查）。不在某个函数的表里的类型会得到中文错误。
ALL_DTYPES = ("float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool")
NATIVE = "支持"
VIA_FLOAT32 = "支持：在 float32 中计算，结果转回 float16"
_FLOATS = {"float16": NATIVE, "float32": NATIVE, "float64": NATIVE}
# MXNet 的 CPU 版 dot（矩阵乘法）没有 float16 的实现：用矩阵乘法的函数在 float32 中计算
_DOT = {"float16": VIA_FLOAT32, "float32": NATIVE, "float64": NATIVE}
DTYPE_TABLE = {
    "corr2d": _FLOATS, "corr2d_shift": _FLOATS, "im2col": _FLOATS, "pool2d": _FLOATS,
    "corr2d_im2col": _DOT, "corr2d_rows": _DOT, "corr2d_fast": _DOT,
    "corr2d_multi_in": _DOT, "corr2d_multi_in_out": _DOT, "corr2d_multi_in_out_1x1": _DOT,
    "Conv2D": _FLOATS, "HybridConv2D": _FLOATS,
}


def dtype_name(x: mx.nd.NDArray) -> str:
    return onp.dtype(x.dtype).name


def compute_dtype(x: mx.nd.NDArray, name: str, fn: str) -> str:
    """按 ``DTYPE_TABLE[fn]`` 检查 x 的数据类型，返回实际计算用的类型；不支持时给出中文错误。"""
    dt = dtype_name(x)
    how = DTYPE_TABLE[fn].get(dt)
    if how is None:
        ok = "、".join(DTYPE_TABLE[fn])
        raise TypeError(f"{name} 的数据类型是 {dt}，而 {fn} 只支持浮点类型 {ok}；"
                        f"请先用 .astype('float32') 转换。")
    return "float32" if how == VIA_FLOAT32 else dt


def dtype_table_markdown() -> str:
    """docs/dtypes.md 里的表格（由 DTYPE_TABLE 生成）。"""
    lines = ["| 函数 | " + " | ".join(ALL_DTYPES) + " |", "|---|" + "---|" * len(ALL_DTYPES)]
    for fn, table in DTYPE_TABLE.items():
        cells = ["✓" if table.get(d) == NATIVE else "✓ float32 中计算" if table.get(d) else "✗ 中文错误"
                 for d in ALL_DTYPES]
        lines.append(f"| `{fn}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def check_same_device_and_dtype(a: mx.nd.NDArray, b: mx.nd.NDArray, a_name: str, b_name: str) -> None:
    """两个数组应在同一设备上、数据类型相同，否则给出中文错误。"""
    if a.context != b.context:
        raise ValueError(f"{a_name} 在 {a.context} 上，{b_name} 在 {b.context} 上；两者应位于同一设备，"
                         f"可以用 .as_in_context({a_name.split()[-1]}.context) 把后者移过去。")
    if a.dtype != b.dtype:
        raise ValueError(f"{a_name} 的数据类型是 {dtype_name(a)}，{b_name} 的是 {dtype_name(b)}；"
                        f"请先用 .astype(...) 把两者统一。")


# ---------- 标量参数 ----------

def is_int(v: object) -> bool:
    """是整数（Python int 或 NumPy 整数），但不是 bool。"""
    return isinstance(v, (int, onp.integer)) and not isinstance(v, (bool, onp.bool_))


def check_int(value: object, name: str, minimum: int = 1) -> int:
    """value 应为不小于 minimum 的整数，否则给出中文错误。"""
    if not is_int(value) or value < minimum:
        raise ValueError(f"{name} 应为不小于 {minimum} 的整数，实际是 {value!r}。")
    return int(value)


def check_real(value: object, name: str) -> float:
    """value 应为有限的实数（不是 NaN 或无穷大），否则给出中文错误。"""
    if isinstance(value, (bool, onp.bool_)) or not isinstance(value, (int, float, onp.integer, onp.floating)) \
            or not onp.isfinite(value):
        raise ValueError(f"{name} 应为有限的实数，实际是 {value!r}。")
    return float(value)


def check_context(ctx: object, name: str = "设备 ctx") -> mx.Context:
    """ctx 应为 ``mx.Context``（如 ``mx.cpu()``），否则给出中文错误。"""
    if not isinstance(ctx, mx.Context):
        raise TypeError(f"{name} 应为一个设备（如 mx.cpu() 或 mx.gpu(0)），实际是 {ctx!r}。")
    return ctx


# ---------- 内存 ----------

def memory_limit_bytes() -> int:
    """中间数组允许占用的内存上限：这台机器当前可用内存的一半（读不到时按 4 GiB 算）。"""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024 // 2
    except OSError:
        pass
    return 4 << 30


def check_memory(elements: int, itemsize: int, what: str) -> None:
    """分配 elements 个元素的中间数组之前先估计大小，放不下时给出写明大小的中文错误（不让机器去换页）。"""
    need, limit = int(elements) * int(itemsize), memory_limit_bytes()
    if need > limit:
        raise ValueError(f"{what}需要约 {need / 2**30:,.1f} GiB 内存（{int(elements):,} 个元素），"
                         f"超过了这台机器可用内存的一半（约 {limit / 2**30:,.1f} GiB）；"
                         f"请减小输入、填充或卷积核，或增大步幅。")


def check_window_memory(c_in: int, in_hw: Sequence[int], k_hw: Sequence[int], padding: Sequence[int],
                        stride: Sequence[int], c_out: int, itemsize: int) -> None:
    """窗口运算（互相关、im2col、汇聚）的中间数组估计：填充后的输入 + 展开矩阵 + 输出。"""
    ph, pw = (int(s) + 2 * int(p) for s, p in zip(in_hw, padding))
    out = [(n - k) // s + 1 for n, k, s in zip((ph, pw), k_hw, stride)]
    out_elems = out[0] * out[1]
    elements = c_in * ph * pw + c_in * int(k_hw[0]) * int(k_hw[1]) * out_elems + c_out * out_elems
    check_memory(elements, itemsize, f"填充后的输入 {(c_in, ph, pw)}、展开矩阵和输出 {(c_out, *out)} ")


# ---------- Gluon 的块与参数 ----------

def check_block(net: object, name: str = "net") -> None:
    """net 应为 Gluon 的块（``nn.Block``），否则给出中文错误。"""
    from mxnet import gluon
    if not isinstance(net, gluon.Block):
        raise TypeError(f"{name} 应为 Gluon 的块（mxnet.gluon.Block，例如 nn.Conv2D 或 d2lutils.Conv2D），"
                        f"实际得到的是 {type(net).__name__}。")


def check_params_on(params, ctx: mx.Context) -> None:
    """每个参数都应已初始化、并在 ctx 上有一份，否则给出指明参数和设备的中文错误。"""
    for name, param in params.items():
        try:
            where = param.list_ctx()
        except RuntimeError:  # 还没有初始化（或形状未知、推迟初始化）
            where = []
        if not where and param._deferred_init:
            continue  # 形状要等第一次前向计算才知道：Gluon 会在那时用数据的设备初始化
        if not where:
            raise ValueError(f"参数 {name} 还没有初始化；请先调用 net.initialize(ctx={ctx})。")
        if ctx not in where:
            raise ValueError(
                f"数据在 {ctx} 上，而参数 {name} 只在 {where} 上；"
                f"请把数据移过去（X.as_in_context({where[0]})），"
                f"或把参数移过来（net.collect_params().reset_ctx({ctx})）。")
