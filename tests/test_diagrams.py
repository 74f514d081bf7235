"""d2lutils.diagrams：窗口示意图的几何与中文错误。"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from d2lutils.diagrams import draw_windows, show_windows, window_geometry  # noqa: E402


@pytest.mark.parametrize("n, k, p, s, out", [
    ((3, 3), (2, 2), (0, 0), (1, 1), (2, 2)),
    ((5, 6), (3, 3), (1, 1), (2, 2), (3, 3)),
    ((8, 8), (3, 5), (0, 1), (3, 4), (2, 2)),
])
def test_output_shape_matches_formula(n, k, p, s, out):
    assert window_geometry(n, k, p, s)[-1] == out


def test_window_larger_than_padded_input_is_refused_in_chinese():
    with pytest.raises(ValueError, match="不能大于填充后的输入"):
        window_geometry((2, 2), 3)
    assert window_geometry((2, 2), 3, padding=1)[-1] == (2, 2)


def test_window_outside_output_is_refused():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"超出了输出的范围 \(2, 2\)"):
        draw_windows(ax, (3, 3), 2, windows=[(2, 0)])
    plt.close(fig)


def test_draws_one_box_per_window_and_one_cell_per_padded_element(monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    show_windows((4, 5), 3, padding=1, stride=2, windows=[(0, 0), (1, 1)])
    left, right = shown[0].axes
    boxes = [r for r in left.patches if not r.get_fill()]
    assert len(boxes) == 2
    def cells(ax):  # 格子画成集合（PolyCollection），标出的输出格子是单独的方块
        return sum(len(c.get_paths()) for c in ax.collections) + len(ax.patches)
    assert cells(left) - len(boxes) == 6 * 7                 # 填充后 6x7 个格子
    assert cells(right) == 2 * 3                             # 输出 (4+2-3)//2+1=2, (5+2-3)//2+1=3
    plt.close("all")


def test_padding_cells_carry_the_given_text():
    fig, ax = plt.subplots()
    draw_windows(ax, (2, 2), 3, padding=1, pad_text="−∞")
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("−∞") == 4 * 4 - 2 * 2 and "0" not in texts
    plt.close(fig)


def test_multi_in_figure_sums_the_channels(monkeypatch):
    import numpy as onp
    from d2lutils.diagrams import show_multi_in

    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    X = onp.stack([onp.tile([1, 1, 0, 0], (4, 1)), onp.repeat([[1], [1], [0], [0]], 4, axis=1)])
    K = onp.array([[[1, -1], [1, -1]], [[1, 1], [-1, -1]]])
    show_multi_in(X, K, window=(1, 1))
    out_ax = shown[0].axes[-1]
    assert [t.get_text() for t in out_ax.texts] == ["0", "2", "0", "2", "4", "2", "0", "2", "0"]
    plt.close("all")
    with pytest.raises(ValueError, match=r"\(2, 4, 4\) 和 \(1, 2, 2\)"):
        show_multi_in(X, K[:1])


def test_show_layers_draws_each_feature_map_stack_and_bar(monkeypatch):
    from matplotlib.patches import FancyArrowPatch

    from d2lutils.diagrams import show_layers

    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    show_layers([("输入", (1, 28, 28)), ("C1", (6, 28, 28)), ("S4", (16, 5, 5)), ("C5", (120,))], max_maps=4)
    ax = shown[0].axes[0]
    rects = [p for p in ax.patches if not isinstance(p, FancyArrowPatch)]
    assert len(rects) == 1 + 4 + 4 + 1  # 每叠最多 max_maps 张
    assert sum(isinstance(p, FancyArrowPatch) for p in ax.patches) == 3
    assert [t.get_text() for t in ax.texts if "@" in t.get_text()] == ["1@28×28", "6@28×28", "16@5×5"]
    plt.close("all")
    with pytest.raises(ValueError, match=r"\(10, 10\)"):
        show_layers([("输入", (10, 10))])
    with pytest.raises(ValueError, match="非空"):
        show_layers([])
