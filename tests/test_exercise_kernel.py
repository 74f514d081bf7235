"""学习者在 JupyterLab 里做练习的路径，在真正的内核里走一遍（jupyter_client，课程环境的 Python）：
打开第 01 课、从上到下运行练习 3 之前的每个单元格（画图的单元格也运行：它们可能定义后面要用的变量），在练习 3 的作答单元格里先写一个错误答案、运行检查、读中文提示，
改正后再运行，看到通过，最后 ex.progress() 显示 1 道通过。"""

from pathlib import Path

import nbformat
import pytest

from test_jupyter_server import output_text  # noqa: E402

pytestmark = pytest.mark.full  # 较慢的集成测试：COURSE_FULL=1 时运行（见根目录的 conftest.py）

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "01_corr2d.ipynb"


def run(kc, code: str, timeout: float = 60) -> tuple[str, str]:
    """执行一段代码，返回 (状态, 全部文本输出)。"""
    msg_id = kc.execute(code)
    texts = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        text = output_text(kind, content)
        if text is not None:
            texts.append(text)
        elif kind == "status" and content["execution_state"] == "idle":
            break
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]["status"], "".join(texts)


@pytest.fixture
def kernel():
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(ROOT / "notebooks"))
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_learner_writes_wrong_answer_reads_hint_fixes_it_and_passes(kernel):
    nb = nbformat.read(LESSON, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    answer = next(c for c in code if c.source.rstrip().endswith("ex.q3.check()"))
    before = code[:code.index(answer)]
    for cell in before:  # 像学习者一样运行前面的每个单元格；预期中的错误由 expect_error 显示，单元格不出错
        status, out = run(kernel, cell.source)
        assert status == "ok", f"单元格出错：{cell.source[:80]!r}\n{out}"

    status, out = run(kernel, answer.source)          # 还没作答
    assert status == "ok" and "还没有作答" in out

    wrong = answer.source.replace("K_neg = ...", "K_neg = nd.array([[1, -1]])")
    status, out = run(kernel, wrong)
    assert status == "ok", out
    assert "练习 3：还不对。这是原来的卷积核 [1, -1]：它的输出是 Y 本身，不是 -Y。" in out

    status, out = run(kernel, "ex.q3.hint()")
    assert "互相关对卷积核是线性的" in out

    fixed = answer.source.replace("K_neg = ...", "K_neg = -K")
    status, out = run(kernel, fixed)
    assert status == "ok" and "练习 3：正确！" in out

    status, out = run(kernel, "ex.progress()")
    assert "第 1 课练习进度：1/6 道通过" in out and "✔ 通过" in out
