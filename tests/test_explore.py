"""d2lutils.explore：三个交互探索器的计算对照独立的参考实现，每个控件都拨一遍。

计算层对所有组合对照 NumPy 参考实现 / 教学循环 corr2d / SciPy 的卷积；控件层（ipywidgets，
不需要前端）把每个控件改一次，检查重算的结果、说明文字和图都跟着变了。控件层在课程环境的
ipywidgets 8 上运行；COURSE_SLOW=1 时再在 Colab 预装的 ipywidgets 7.7.1 上运行一遍（要联网安装它）。
显示时的静态图和文字（不能运行控件的前端、存储的笔记本、阅读版里看到的）也在这里检查。
"""

import base64
import itertools
import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import mxnet as mx  # noqa: E402
import numpy as onp  # noqa: E402
import pytest  # noqa: E402

import d2lutils  # noqa: E402
from d2lutils import explore  # noqa: E402


def ref_corr2d(X, K, p=0, s=1):
    """float64 的互相关参考实现：先补 0，再逐窗口求和，按步幅取。"""
    Xp = onp.pad(X.astype("float64"), p)
    kh, kw = K.shape
    out = onp.array([[(Xp[i:i + kh, j:j + kw] * K).sum() for j in range(Xp.shape[1] - kw + 1)]
                     for i in range(Xp.shape[0] - kh + 1)])
    return out[::s, ::s]


def ref_pool(X, k, s, p, mode):
    """汇聚的参考实现：最大汇聚补 -inf，平均汇聚补 0 并除以 k*k（count_include_pad）。"""
    Xp = onp.pad(X.astype("float64"), p, constant_values=-onp.inf if mode == "max" else 0)
    n = (X.shape[0] + 2 * p - k) // s + 1
    f = onp.max if mode == "max" else onp.mean
    return onp.array([[f(Xp[i * s:i * s + k, j * s:j * s + k]) for j in range(n)] for i in range(n)])


@pytest.mark.parametrize("image, kernel, convolution",
                         list(itertools.product(explore.IMAGES, explore.KERNELS, (False, True))))
def test_kernel_compute_matches_corr2d_and_scipy(image, kernel, convolution):
    res = explore.kernel_compute(image, kernel, custom="1 2; 3 4; 5 6", digit=7,
                                 convolution=convolution)
    X, K = res["X"], res["K"]
    loop = d2lutils.corr2d(mx.nd.array(X), mx.nd.array(res["K_used"])).asnumpy()
    onp.testing.assert_allclose(res["Y"], loop, rtol=1e-5, atol=1e-5)
    if convolution:  # 卷积运算 = 翻转卷积核后的互相关运算 = SciPy 的 'valid' 卷积
        from scipy.signal import convolve2d  # 在这里导入：只有运行本测试的进程才花 0.45 秒导入它

        onp.testing.assert_allclose(res["Y"], convolve2d(X, K, mode="valid"), rtol=1e-5, atol=1e-5)
    else:
        onp.testing.assert_allclose(res["Y"], ref_corr2d(X, K), rtol=1e-5, atol=1e-5)
    assert res["Y"].shape == (X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1)


def test_inputs_are_the_lesson_image_a_bundled_digit_and_a_letter():
    X = explore.input_image("edge")
    assert X.shape == (6, 8) and X[:, 2:6].max() == 0 and X[:, :2].min() == 1
    from sklearn.datasets import load_digits

    onp.testing.assert_allclose(explore.input_image("digit", 3), load_digits().images[3] / 16)
    assert explore.input_image("letter").shape == (8, 8)
    with pytest.raises(ValueError, match="手写数字的序号"):
        explore.input_image("digit", 5000)


@pytest.mark.parametrize("text, shape", [("1 -1", (1, 2)), ("1; -1", (2, 1)),
                                         ("1, 0, -1\n2 0 -2；1 0 -1", (3, 3))])
def test_parse_kernel(text, shape):
    assert explore.parse_kernel(text).shape == shape


@pytest.mark.parametrize("text, message", [("1 x", "不是数"), ("1 2; 3", "元素个数应相同"),
                                           ("1 2 3 4", "最大 3×3"), ("", "至少有一行")])
def test_parse_kernel_refuses_bad_text_in_chinese(text, message):
    with pytest.raises(ValueError, match=message):
        explore.parse_kernel(text)


def test_window_compute_every_setting_matches_formula_and_reference():
    checked = refused = 0
    for n, k, p, s in itertools.product(range(3, 7), range(1, 6), range(0, 3), range(1, 4)):
        if k > n + 2 * p:
            with pytest.raises(ValueError, match="不能大于填充后的输入"):
                explore.window_compute(n, k, p, s)
            refused += 1
            continue
        res = explore.window_compute(n, k, p, s)
        out = (n + 2 * p - k) // s + 1
        assert res["Y"].shape == (out, out)
        assert res["text"].endswith(f"= {out}") and f"({n} + 2×{p} − {k}) / {s}" in res["text"]
        onp.testing.assert_allclose(res["Y"], ref_corr2d(res["X"], res["K"], p, s))
        checked += 1
    assert checked > 100 and refused > 0


def test_pool_compute_every_setting_matches_reference_and_pool2d():
    X = explore.pool_input()
    for k, s, mode in itertools.product(range(1, 4), range(1, 4), ("max", "avg")):
        for p in range(k):
            res = explore.pool_compute(k, s, p, mode)
            out = (6 + 2 * p - k) // s + 1
            assert res["Y"].shape == (out, out)
            onp.testing.assert_allclose(res["Y"], ref_pool(X, k, s, p, mode), rtol=1e-6)
            direct = d2lutils.pool2d(mx.nd.array(X), k, mode=mode, padding=p, stride=s).asnumpy()
            onp.testing.assert_array_equal(res["Y"], direct)
    with pytest.raises(ValueError, match="应小于汇聚窗口"):
        explore.pool_compute(2, 2, 2)


def png_of(ex):
    return ex.image.value


def test_kernel_explorer_every_control_recomputes_and_redraws():
    ex = explore.kernel_explorer()
    assert ex.result["Y"].shape == (6, 7) and ex.controls["digit"].disabled
    steps = [("kernel", "vertical"), ("image", "digit"), ("digit", 4), ("convolution", True),
             ("kernel", "custom"), ("custom", "0 1; 2 3"), ("image", "letter")]
    for name, value in steps:
        before = png_of(ex)
        ex.controls[name].value = value
        v = ex.values()
        expected = explore.kernel_compute(**v)["Y"]
        onp.testing.assert_array_equal(ex.result["Y"], expected)
        K = explore.parse_kernel(v["custom"]) if v["kernel"] == "custom" else \
            onp.array(explore.KERNELS[v["kernel"]][1], "float32")
        K_used = K[::-1, ::-1] if v["convolution"] else K
        # 独立的 NumPy 参考实现（比教学用的循环 corr2d 快得多；循环版已在上面的参数化测试里逐个对照）
        reference = ref_corr2d(explore.input_image(v["image"], v["digit"]), K_used)
        onp.testing.assert_allclose(ex.result["Y"], reference, rtol=1e-5, atol=1e-5)
        assert png_of(ex) != before, f"改动 {name} 之后图没有变"
        assert ex.error is None and ex.last_ms > 0
    assert ex.values()["image"] == "letter" and ex.controls["digit"].disabled  # 不是手写数字时不能选第几张
    assert not ex.controls["custom"].disabled
    ex.controls["image"].value = "digit"
    assert not ex.controls["digit"].disabled
    # 写错的自定义卷积核：控件下面显示中文错误，图和结果保持上一次的
    before, result = png_of(ex), ex.result
    ex.controls["custom"].value = "1 2; x"
    assert "不是数" in ex.error and "不是数" in ex.label.value
    assert png_of(ex) == before and ex.result is result


def test_padding_stride_explorer_every_control_and_formula():
    ex = explore.padding_stride_explorer()
    assert ex.result["Y"].shape == (3, 3)
    for name, value in [("size", 5), ("kernel_size", 2), ("padding", 0), ("stride", 3),
                        ("padding", 2), ("kernel_size", 5), ("size", 3)]:
        before = png_of(ex)
        ex.controls[name].value = value
        v = ex.values()
        out = (v["size"] + 2 * v["padding"] - v["kernel_size"]) // v["stride"] + 1
        assert ex.result["Y"].shape == (out, out)
        assert ex.label.value.endswith(f"= {out}")
        onp.testing.assert_allclose(ex.result["Y"], ref_corr2d(ex.result["X"], ex.result["K"],
                                                               v["padding"], v["stride"]))
        assert png_of(ex) != before
    ex.controls["padding"].value = 0  # 3x3 的输入放不下 5x5 的卷积核
    assert "不能大于填充后的输入" in ex.error


def test_pooling_explorer_every_control_and_padding_limit():
    ex = explore.pooling_explorer()
    assert ex.controls["padding"].max == 1 and ex.result["Y"].shape == (3, 3)
    for name, value in [("pool_size", 3), ("padding", 2), ("stride", 1), ("mode", "avg"),
                        ("pool_size", 1)]:
        before = png_of(ex)
        ex.controls[name].value = value
        v = ex.values()
        assert v["padding"] < v["pool_size"]      # 窗口变小时填充的上限跟着变小
        onp.testing.assert_allclose(ex.result["Y"], ref_pool(explore.pool_input(), v["pool_size"],
                                                             v["stride"], v["padding"], v["mode"]),
                                    rtol=1e-6)
        assert png_of(ex) != before
    assert ex.controls["padding"].max == 0 and ex.values()["padding"] == 0


def test_display_bundle_has_widget_view_png_and_deterministic_text():
    ex = explore.pooling_explorer()
    data = ex._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.box.model_id
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    assert data["text/plain"] == explore.pooling_explorer()._repr_mimebundle_()["text/plain"]
    assert "⌊(6 + 2×0 − 2) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3" in data["text/plain"]


def test_explore_is_not_exported_at_top_level():
    assert "explore" not in d2lutils.__all__ and "kernel_explorer" not in d2lutils.__all__


@pytest.mark.parametrize("lesson", ["01_corr2d", "06_padding_stride", "08_pooling"])
def test_stored_lessons_show_the_default_figure_without_a_dangling_widget_view(lesson):
    """存储的笔记本（以及由它生成的阅读版）里，探索器是一张普通的图和一行文字，没有找不到模型的控件视图。"""
    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parent.parent / "notebooks" / f"{lesson}.ipynb",
                       as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == f"explore-{lesson[:2]}-code")
    (out,) = cell.outputs
    assert sorted(out.data) == ["image/png", "text/plain"]
    assert base64.b64decode(out.data["image/png"]).startswith(b"\x89PNG")
    assert "探索器" in out.data["text/plain"]
    for c in nb.cells:
        for o in c.get("outputs", []):
            assert "application/vnd.jupyter.widget-view+json" not in o.get("data", {})


@pytest.mark.skipif(os.environ.get("COURSE_SLOW") != "1", reason="慢（联网安装 ipywidgets 7.7.1）：COURSE_SLOW=1 时运行")
def test_widget_layer_also_on_colab_ipywidgets_7(tmp_path):
    """Colab 预装 ipywidgets 7.7.1（googlecolab/backend-info 的 pip-freeze.txt，见 docs/platforms-colab.md）：
    把它装进一个临时目录、放在课程环境的 ipywidgets 8 前面，再运行上面控件层和显示的测试。"""
    target = tmp_path / "ipywidgets7"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
                    "--target", str(target), "ipywidgets==7.7.1", "ipython-genutils==0.2.0"], check=True, timeout=600)
    env = dict(os.environ, PYTHONPATH=str(target))
    version = subprocess.run([sys.executable, "-c", "import ipywidgets; print(ipywidgets.__version__)"],
                             env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert version == "7.7.1"
    result = subprocess.run([sys.executable, "-m", "pytest", __file__, "-q", "-k", "explorer or bundle",
                             "-W", "ignore::DeprecationWarning"],
                            env=env, capture_output=True, text=True, timeout=600, cwd=Path(__file__).parent.parent)
    assert result.returncode == 0 and "\n5 passed" in result.stdout, result.stdout[-3000:]
