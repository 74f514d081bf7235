"""第 03 课重现种子课程的实验：存储的输出必须与种子课程逐字相同（导入 d2lutils 不抽随机数：见 test_env.py）。"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_LOSSES = ["12.080", "4.949", "2.028", "0.831", "0.341",
               "0.140", "0.057", "0.024", "0.010", "0.004"]
SEED_LINES = "".join(f"batch {i}, loss {v}\n" for i, v in enumerate(SEED_LOSSES, 1))
SEED_WEIGHT = "\n[[ 0.9895    -0.9873705]]\n<NDArray 1x2 @cpu(0)>"


def code_cells(name):
    nb = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def text_of(cell):
    parts = []
    for o in cell["outputs"]:
        if o["output_type"] == "stream":
            parts.append("".join(o["text"]))
        elif "data" in o:
            parts.append("".join(o["data"].get("text/plain", "")))
    return "".join(parts)


def test_lesson03_stores_the_seed_numbers():
    cells = code_cells("03_learn_kernel.ipynb")
    i = next(k for k, c in enumerate(cells) if "conv2d = nn.Conv2D(1, kernel_size=(1, 2))" in "".join(c["source"]))
    # 种子课程的循环就是这个内核里第一次抽取随机数：它之前的单元格里不能有随机调用
    before = "".join("".join(c["source"]) for c in cells[:i])
    assert "random" not in before and "initialize" not in before
    assert text_of(cells[i]) == SEED_LINES
    assert text_of(cells[i + 1]) == SEED_WEIGHT


