"""nbval 不比较图片（image/png）。本插件让 nbval 在比较每个单元格的输出时，
把存储的每张图与重新运行得到的图也比较一遍：不多运行任何东西，只多解码几张 PNG。

比较方法（``figure_distance``）：两张图先合成到白底上、转成灰度，新图缩放到存储的图的大小，
再各自按 4x4 像素块取平均（抹掉字体微调、抗锯齿带来的单像素差别）；距离是
两张图在这个粗网格上差值的绝对值中，最大的 0.5%（第 99.5 百分位，0 到 1）。
它对整张图的小差别不敏感，而对局部的改变（热图的一格、一段曲线、一个数字）敏感。

校准（2026-11，本机；数值写在 CONTRIBUTING.md“图的回归测试”一节）见那里的表。
图的大小（像素）相差超过 ``SIZE_TOLERANCE`` 也算不同。

失败时把存储的图、新图和差值图存到 ``build/figure-diffs/``（git 不跟踪），
失败信息写明笔记本、单元格编号和单元格 id。
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np

TOLERANCE = 0.25          # 距离超过它就算图变了（校准见上）
SIZE_TOLERANCE = 0.04     # 宽或高相差超过 4% 就算图变了
BLOCK = 4                 # 比较前按 BLOCK x BLOCK 像素块取平均
DIFF_DIR = Path("build") / "figure-diffs"

# 确实随每次运行变化的图：不比较，写明原因（键：笔记本文件名, 单元格 id）。
# 更好的做法是在单元格里加 # NBVAL_IGNORE_OUTPUT 和说明（nbval 和本插件都会跳过它）。
VARYING_FIGURES: dict[tuple[str, str], str] = {}


def decode_png(data: str) -> np.ndarray:
    """base64 编码的 PNG -> (高, 宽) 的灰度数组，值在 0 到 1，透明部分视为白色。"""
    from matplotlib import image

    img = image.imread(io.BytesIO(base64.b64decode(data)), format="png").astype(np.float64)
    if img.ndim == 2:
        return img
    rgb = img[..., :3]
    if img.shape[-1] == 4:
        alpha = img[..., 3:4]
        rgb = rgb * alpha + (1 - alpha)
    return rgb @ np.array([0.299, 0.587, 0.114])


def _resize(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    if img.shape == shape:
        return img
    pil = Image.fromarray(img.astype(np.float32), mode="F")
    return np.asarray(pil.resize((shape[1], shape[0]), Image.BILINEAR), dtype=np.float64)


def _blocks(img: np.ndarray) -> np.ndarray:
    h, w = (img.shape[0] // BLOCK) * BLOCK, (img.shape[1] // BLOCK) * BLOCK
    return img[:h, :w].reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK).mean(axis=(1, 3))


def size_change(stored: np.ndarray, new: np.ndarray) -> float:
    """宽、高中相对变化较大的那个（0.03 即 3%）。"""
    return max(abs(a - b) / a for a, b in zip(stored.shape, new.shape))


def figure_distance(stored: np.ndarray, new: np.ndarray) -> float:
    """两张灰度图的距离（0 到 1），见模块说明。"""
    diff = np.abs(_blocks(stored) - _blocks(_resize(new, stored.shape)))
    return float(np.percentile(diff, 99.5))


def _save(where: Path, stem: str, stored: np.ndarray, new: np.ndarray | None) -> list[Path]:
    from matplotlib import image

    where.mkdir(parents=True, exist_ok=True)
    paths = [where / f"{stem}-stored.png"]
    image.imsave(paths[0], stored, cmap="gray", vmin=0, vmax=1)
    if new is not None:
        paths.append(where / f"{stem}-new.png")
        image.imsave(paths[1], new, cmap="gray", vmin=0, vmax=1)
        paths.append(where / f"{stem}-diff.png")
        diff = np.abs(stored - _resize(new, stored.shape))
        image.imsave(paths[2], 1 - diff, cmap="gray", vmin=0, vmax=1)  # 白底，差别越大越黑
    return paths


def pngs(outputs) -> list[str]:
    return [out["data"]["image/png"] for out in outputs
            if isinstance(out.get("data"), dict) and "image/png" in out["data"]]


def compare_cell_figures(notebook: Path, cell_num: int, cell_id: str, test, ref,
                         diff_root: Path) -> list[str]:
    """比较一个单元格存储的图（ref）与新运行得到的图（test），返回问题（中文），没有问题时为空。"""
    stored, new = pngs(ref), pngs(test)
    where = f"{notebook.name} 的单元格 {cell_num}（id {cell_id}）"
    if (notebook.name, cell_id) in VARYING_FIGURES:
        return []
    if len(stored) != len(new):
        return [f"{where}：存储了 {len(stored)} 张图，重新运行得到 {len(new)} 张。"]
    problems = []
    for k, (s64, n64) in enumerate(zip(stored, new)):
        s_img, n_img = decode_png(s64), decode_png(n64)
        stem = f"{notebook.stem}-cell{cell_num}-{re.sub(r'[^A-Za-z0-9_-]', '_', cell_id)}-fig{k}"
        change = size_change(s_img, n_img)
        if change > SIZE_TOLERANCE:
            msg = (f"图的大小从 {s_img.shape[1]}x{s_img.shape[0]} 变成 {n_img.shape[1]}x{n_img.shape[0]} 像素"
                   f"（相差 {change:.1%}，允许 {SIZE_TOLERANCE:.0%}）")
        else:
            dist = figure_distance(s_img, n_img)
            if dist <= TOLERANCE:
                continue
            msg = f"图的距离 {dist:.3f} 超过允许的 {TOLERANCE}"
        saved = _save(diff_root / DIFF_DIR, stem, s_img, n_img)
        problems.append(f"{where} 的第 {k + 1} 张图变了：{msg}。存储的图、新图和差值图："
                        + "、".join(str(p) for p in saved))
    if problems and not _has_cjk_font():
        problems.append("注意：这台机器没有中文字体，图中的中文显示为方框。"
                        "安装字体后再运行测试：apt-get install fonts-wqy-microhei")
    return problems


def _has_cjk_font() -> bool:
    from d2lutils.plotting import use_cjk_font

    return use_cjk_font() is not None


def pytest_configure(config) -> None:
    """包装 nbval 的 IPyNbCell.compare_outputs：nbval 的比较通过后再比较图。"""
    from nbval.plugin import IPyNbCell

    original = IPyNbCell.compare_outputs
    if getattr(original, "compares_figures", False):
        return

    def compare_outputs(self, test, ref, skip_compare=None):
        if not original(self, test, ref, skip_compare):
            return False
        problems = compare_cell_figures(Path(str(self.fspath)), self.cell_num, self.cell.get("id", "?"),
                                        test, ref, Path(str(self.config.rootpath)))
        self.comparison_traceback.extend(problems)
        return not problems

    compare_outputs.compares_figures = True
    IPyNbCell.compare_outputs = compare_outputs
