"""Binder（repo2docker）的配置与本地课程环境一致：同样的固定版本、受支持的 Python、mxnet 以 --no-deps 安装、中文字体。"""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def test_runtime_is_a_supported_lane():
    version = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.(11|12|13)", version), version
    # 与 .ci/run 测试的一条 numpy 2 测试线相同（binder/requirements.txt 就是默认的 numpy 2 固定版本）
    assert f'"{version.split("-")[1]} numpy2"' in (ROOT / ".ci" / "run").read_text()


def test_requirements_are_the_course_pins():
    lines = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert lines == ["-r ../requirements.txt"]
    assert (BINDER / lines[0].split()[1]).resolve() == ROOT / "requirements.txt"
    # mxnet 不能出现在 pip 一次解析的依赖里（它要求 numpy<2）
    assert not re.search(r"^mxnet", (ROOT / "requirements.txt").read_text(), re.M)


def test_post_build_installs_mxnet_without_deps_then_d2lutils():
    post = BINDER / "postBuild"
    text = post.read_text()
    assert post.stat().st_mode & 0o111, "postBuild 必须可执行"
    assert subprocess.run(["bash", "-n", str(post)]).returncode == 0
    mx = text.index("--no-deps -r requirements-mxnet.txt")
    own = text.index("--no-deps .")
    assert mx < own < text.index("import d2lutils")
    assert "mxnet==" in (ROOT / "requirements-mxnet.txt").read_text()


def test_binder_apt_installs_a_system_font():
    packages = (BINDER / "apt.txt").read_text().split()
    assert packages == ["fonts-wqy-microhei"]
