"""d2lutils.show_placement：按数组和参数实际所在的设备归类画图；输入不对时给出中文错误。"""

import matplotlib
import mxnet as mx
import pytest
from mxnet import nd
from mxnet.gluon import nn

import d2lutils

matplotlib.use("Agg")


def drawn_texts(monkeypatch, items):
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    d2lutils.show_placement(items)
    fig = shown[0]
    texts = [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)
    return texts


def test_each_device_gets_a_box_with_the_names_placed_there(monkeypatch):
    net = nn.Conv2D(1, kernel_size=(1, 2), in_channels=1)
    net.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    texts = drawn_texts(monkeypatch, {"x": nd.ones((2,)), "y": nd.ones((2,), ctx=mx.cpu(1)),
                                      "w": net.weight, "z": mx.np.ones((2,), ctx=mx.cpu(1))})
    assert texts == ["cpu(0)（CPU 内存）", "x", "w", "cpu(1)（CPU 内存）", "y", "w", "z"]


@pytest.mark.parametrize("bad,message", [(3, "实际类型是 int"), ([], "实际类型是 list")])
def test_rejects_what_is_not_an_array_or_parameter(bad, message):
    with pytest.raises(TypeError, match=message):
        d2lutils.show_placement({"a": bad})


def test_uninitialised_parameter_and_empty_items_get_chinese_errors():
    with pytest.raises(ValueError, match="还没有初始化"):
        d2lutils.show_placement({"w": nn.Dense(2).weight})
    with pytest.raises(ValueError, match="items 为空"):
        d2lutils.show_placement({})


def test_devices_are_ordered_by_first_appearance(monkeypatch):
    texts = drawn_texts(monkeypatch, {"y": nd.ones((2,), ctx=mx.cpu(1)), "x": nd.ones((2,))})
    assert texts == ["cpu(1)（CPU 内存）", "y", "cpu(0)（CPU 内存）", "x"]
