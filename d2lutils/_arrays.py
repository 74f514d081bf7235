"""两种数组接口（旧版 ``nd`` 与 ``mx.np``）之间的转换，以及输入检查。

本包的每个函数在内部用旧版 ``nd.NDArray`` 计算：输入若是 ``mx.np.ndarray``，
先零拷贝地转成 ``NDArray``，算完再转回去。两种转换都保留自动求导的计算图。
"""

from __future__ import annotations

from typing import Sequence, Union

import mxnet as mx

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

