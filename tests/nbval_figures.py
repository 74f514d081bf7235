"""nbval 不比较图片（image/png）。本插件让 nbval 在比较每个单元格的输出时，
把存储的每张图与重新运行得到的图也比较一遍：不多运行任何东西，只多解码几张 PNG。

比较方法：两张图（RGB，透明处视为白色）缩放到同样大小后，逐像素看一张图的颜色是否落在
另一张图在该像素周围 SHIFT 像素内的颜色范围里，超出的部分是这个像素的差别（两个方向取大者）。
这样文字、图例、线条整体移动一两个像素（字体微调、matplotlib 版本不同）不算差别。
距离是差别在 BLOCK x BLOCK 像素块上的平均值中最大的那个（0 到 1）：局部的改变
（热图的一格、一段曲线、一个面板）不会被整张图的面积冲淡。图的宽或高相差超过
SIZE_TOLERANCE 也算变了；一个单元格的图的张数变了也算。

校准（2026-11，本机；存储的图来自 Python 3.11 + matplotlib 3.9.4，数值也写在 CONTRIBUTING.md
“图的回归测试”）。同一环境重新运行：距离 0（字节相同）；Python 3.12 + matplotlib 3.10.9 +
numpy 2.2.6：不超过 0.004；Python 3.13 + matplotlib 3.11.2 + numpy 2.5.5：最大 0.117（第 03 课
的图例整体左移约 3 像素），其余不超过 0.071。没有中文字体（标题成了方框）：0.28-0.31，
失败并提示安装字体。坏图：空白 0.52-0.99，
热图的一格改变 0.85，热图转置 0.85，热图面板对调 0.85，输出取负 0.60，
一条损失曲线错一步 0.25、放大 1.5 倍 0.25；放大 1.1 倍（对数坐标上约 2 像素）0.047，捉不到。

失败时把存储的图、新图和差别图存到 build/figure-diffs/（git 不跟踪），
失败信息写明笔记本、nbval 的单元格编号（Cell N，只数代码单元格）和单元格 id。
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np

TOLERANCE = 0.17          # 距离超过它就算图变了（校准见上）
SIZE_TOLERANCE = 0.04     # 宽或高相差超过 4% 就算图变了
SHIFT = 3                 # 允许文字和线条移动 3 个像素
BLOCK = 8                 # 差别在 BLOCK x BLOCK 像素块上取平均
DIFF_DIR = Path("build") / "figure-diffs"

# 确实随每次运行变化的图：不比较，写明原因（键：笔记本文件名, 单元格 id）。
# 更好的做法是在单元格里加 # NBVAL_IGNORE_OUTPUT 和说明（nbval 和本插件都会跳过它）。
VARYING_FIGURES: dict[tuple[str, str], str] = {
    ("05_vectorization.ipynb", "cell-24"): "耗时曲线随机器和负载变化（单元格带 nbval-ignore-output 标签）",
}


def decode_png(data: str) -> np.ndarray:
    """base64 编码的 PNG -> (高, 宽, 3) 的 RGB 数组，值在 0 到 1，透明部分视为白色。"""
    from matplotlib import image

    img = image.imread(io.BytesIO(base64.b64decode(data)), format="png").astype(np.float64)
    if img.ndim == 2:
        img = img[..., None]
    if img.shape[-1] in (2, 4):  # 带透明通道：合成到白底上
        img, alpha = img[..., :-1], img[..., -1:]
        img = img * alpha + (1 - alpha)
    return np.broadcast_to(img, img.shape[:2] + (3,)) if img.shape[-1] == 1 else img


def _resize(img: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    from PIL import Image

    if img.shape[:2] == shape[:2]:
        return img
    size = (shape[1], shape[0])
    return np.stack([np.asarray(Image.fromarray(img[..., c].astype(np.float32), mode="F")
                                .resize(size, Image.BILINEAR), dtype=np.float64)
                     for c in range(img.shape[-1])], axis=-1)


def _window_min_max(img: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
    """每个像素周围 (2r+1)x(2r+1) 窗口内每个通道的最小值和最大值（先沿行、再沿列）。"""
    result = []
    for reduce in (np.minimum, np.maximum):
        out = img
        for axis in (0, 1):
            pad = [(0, 0)] * img.ndim
            pad[axis] = (r, r)
            padded, n = np.pad(out, pad, mode="edge"), out.shape[axis]
            out = out.copy()
            for d in range(2 * r + 1):
                reduce(out, padded.take(range(d, d + n), axis=axis), out=out)
        result.append(out)
    return result[0], result[1]


def _excess(a: np.ndarray, b: np.ndarray, r: int) -> np.ndarray:
    """a 的每个像素超出 b 在它周围 r 像素内的取值范围多少（各通道取最大）。"""
    lo, hi = _window_min_max(b, r)
    return np.maximum(np.maximum(a - hi, lo - a), 0).max(axis=-1)


def _blocks(img: np.ndarray, block: int) -> np.ndarray:
    h, w = (img.shape[0] // block) * block, (img.shape[1] // block) * block
    return img[:h, :w].reshape(h // block, block, w // block, block).mean(axis=(1, 3))


def size_change(stored: np.ndarray, new: np.ndarray) -> float:
    """宽、高中相对变化较大的那个（0.03 即 3%）。"""
    return max(abs(a - b) / a for a, b in zip(stored.shape[:2], new.shape[:2]))


def difference_map(stored: np.ndarray, new: np.ndarray, r: int = SHIFT) -> np.ndarray:
    """逐像素的差别：一张图的像素超出另一张图在它周围 r 像素内取值范围的部分（两个方向取大者）。"""
    new = _resize(new, stored.shape)
    return np.maximum(_excess(stored, new, r), _excess(new, stored, r))


def figure_distance(stored: np.ndarray, new: np.ndarray, r: int = SHIFT, block: int = BLOCK) -> float:
    """两张 RGB 图的距离（0 到 1）：差别图在 block x block 像素块上的平均值中最大的那个。"""
    return float(_blocks(difference_map(stored, new, r), block).max())


def _save(where: Path, stem: str, stored64: str, new64: str, diff: np.ndarray) -> list[Path]:
    """把存储的图、新图（原样的 PNG）和差别图（白底，差别越大越黑）存到 where。"""
    from matplotlib import image

    where.mkdir(parents=True, exist_ok=True)
    paths = [where / f"{stem}-{kind}.png" for kind in ("stored", "new", "diff")]
    paths[0].write_bytes(base64.b64decode(stored64))
    paths[1].write_bytes(base64.b64decode(new64))
    image.imsave(paths[2], 1 - diff, cmap="gray", vmin=0, vmax=1)
    return paths


def pngs(outputs) -> list[str]:
    return [out["data"]["image/png"] for out in outputs
            if isinstance(out.get("data"), dict) and "image/png" in out["data"]]


def compare_cell_figures(notebook: Path, cell_num: int, cell_id: str, test, ref,
                         diff_root: Path) -> list[str]:
    """比较一个单元格存储的图（ref）与新运行得到的图（test），返回问题（中文），没有问题时为空。"""
    if (notebook.name, cell_id) in VARYING_FIGURES:
        return []
    stored, new = pngs(ref), pngs(test)
    where = f"{notebook.name} 的 Cell {cell_num}（id {cell_id}）"
    if len(stored) != len(new):
        return [f"{where}：存储了 {len(stored)} 张图，重新运行得到 {len(new)} 张。"]
    problems = []
    for k, (s64, n64) in enumerate(zip(stored, new)):
        s_img, n_img = decode_png(s64), decode_png(n64)
        change = size_change(s_img, n_img)
        diff = difference_map(s_img, n_img)
        dist = float(_blocks(diff, BLOCK).max())
        if change > SIZE_TOLERANCE:
            msg = (f"图的大小从 {s_img.shape[1]}x{s_img.shape[0]} 变成 {n_img.shape[1]}x{n_img.shape[0]} 像素"
                   f"（相差 {change:.1%}，允许 {SIZE_TOLERANCE:.0%}）")
        elif dist > TOLERANCE:
            msg = f"距离 {dist:.3f}，允许 {TOLERANCE}"
        else:
            continue
        stem = f"{notebook.stem}-cell{cell_num}-{re.sub(r'[^A-Za-z0-9_-]', '_', cell_id)}-fig{k + 1}"
        saved = _save(diff_root / DIFF_DIR, stem, s64, n64, diff)
        problems.append(f"{where} 的第 {k + 1} 张图变了：{msg}。存储的图、新图和差别图："
                        + "、".join(str(p) for p in saved))
    if problems:  # 只在真的找不到中文字体时附上怎样安装（课程环境自带 pip 的字体包）
        from d2lutils.compat import cjk_font_hint

        hint = cjk_font_hint()
        problems += [f"注意：{hint}"] if hint else []
    return problems


def pytest_configure(config) -> None:
    """包装 nbval 的 IPyNbCell.compare_outputs：nbval 的比较通过后再比较图。"""
    import shutil

    from nbval.plugin import IPyNbCell

    if not hasattr(config, "workerinput"):  # 主进程（不是 xdist 的工作进程）：清掉上一次运行留下的图
        shutil.rmtree(Path(str(config.rootpath)) / DIFF_DIR, ignore_errors=True)

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
