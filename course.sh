#!/usr/bin/env bash
# 课程的入口。第一次运行时创建虚拟环境并安装固定版本的依赖，之后直接使用。
#   ./course.sh lab      打开课程：JupyterLab，根目录为你自己的副本 my-notebooks/（git 不跟踪）
#   ./course.sh reset 03 把第 03 课的副本恢复为课程的原始版本（原副本先备份）
#   ./course.sh test     运行全部测试：单元测试 + 每个笔记本的 nbval 回归测试
#   ./course.sh regen    在全新内核中重新运行笔记本并保存输出（维护者用）
#   ./course.sh bench    运行速度基准（benchmarks/；--dist：参数服务器训练的基准）
#   ./course.sh html     生成阅读版静态网页到 _site/（用存储的输出，不重新运行）
#   ./course.sh env      只创建（或检查）虚拟环境，打印它的路径
#   ./course.sh dist     把 d2lutils 打包成 wheel 和 sdist（dist/），并用 twine check 检查
#   ./course.sh links --hub URL   为 JupyterHub 上的课堂生成每课的 nbgitpuller 链接
# 选择 Python：COURSE_PYTHON=3.12 ./course.sh test（默认用找到的最新版本：3.13，其次 3.12、3.11）。
# 选择测试线：默认 numpy 2（requirements.txt）；COURSE_LANE=numpy1 ./course.sh test 用 Python 3.11 +
# numpy 1.23.5（requirements-numpy1.txt；加 COURSE_PYTHON=3.10 用 Python 3.10）。每个 Python 版本和测试线有自己的虚拟环境 .venv-<版本>-<测试线>/。
# 其余参数原样传给 jupyter lab / pytest / 脚本，例如 ./course.sh test -k corr2d。
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

say() { printf '[course] %s\n' "$*" >&2; }

# 找到一个版本号为 $1（如 3.11）的解释器，打印其路径
find_python() {
  local want="$1" cand ver
  for cand in "python$want" python3 python; do
    if command -v "$cand" >/dev/null 2>&1; then
      ver=$("$cand" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
      if [ "$ver" = "$want" ]; then "$cand" -c 'import sys; print(sys.executable)'; return 0; fi
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    local v
    v=$(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}(\.[0-9]+)?$" | sort -V | tail -n 1 || true)
    if [ -n "$v" ]; then PYENV_VERSION="$v" pyenv which python; return 0; fi
  fi
  # pyenv 不在 PATH 上时（例如 CI 的精简环境），直接找它安装的解释器
  for cand in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$want"*/bin/python"$want"; do
    if [ -x "$cand" ]; then echo "$cand"; return 0; fi
  done
  return 1
}

# 安装用的 uv 的版本（用 pip 装进课程环境；它只用来安装）
UV_PIN="uv==0.13.9"
INSTALL_RECIPE=2
LANE="${COURSE_LANE:-numpy2}"
case "$LANE" in
  numpy2) SUPPORTED="3.13 3.12 3.11" ;;
  numpy1) SUPPORTED="3.11 3.10" ;;  # numpy 1.23.5 只有 Python 3.11 及更早的 wheel
  *) say "COURSE_LANE=$LANE 不认识：可选 numpy2（默认）或 numpy1。"; exit 2 ;;
esac

pick_python() {
  local want
  if [ -n "${COURSE_PYTHON:-}" ]; then
    case " $SUPPORTED " in
      *" $COURSE_PYTHON "*) ;;
      *) say "COURSE_PYTHON=$COURSE_PYTHON 没有测试过：测试线 $LANE 只在 Python ${SUPPORTED// /、} 上测试过（见 docs/install.md 的“环境说明”）。"; return 1 ;;
    esac
    find_python "$COURSE_PYTHON" && return 0
    say "找不到 Python $COURSE_PYTHON。请安装它，或去掉 COURSE_PYTHON 使用默认版本。"
    return 1
  fi
  for want in $SUPPORTED; do
    find_python "$want" && return 0
  done
  say "需要 Python ${SUPPORTED// /、} 之一（课程只在这些版本上测试过；Python 3.14 还没有测试过）。"
  say "请安装其中之一（例如 apt-get install python3.13 python3.13-venv，或 pyenv install 3.13），再运行本命令。"
  return 1
}

# 这条测试线的 requirements 文件：numpy1 测试线用 requirements-numpy1.txt 替换 requirements.txt 中同名的行
lane_requirements() {
  local py="$1" out="$2"
  if [ "$LANE" = numpy2 ]; then echo requirements.txt; return 0; fi
  "$py" - requirements.txt requirements-numpy1.txt "$out" <<'PY'
import re, sys
base, override, out = sys.argv[1:]
name = lambda line: re.split(r"[=<>!;~ \[]", line.split("#", 1)[0].strip(), maxsplit=1)[0].lower().replace("_", "-")
lines = [l for l in open(override, encoding="utf-8").read().splitlines() if l.split("#", 1)[0].strip()]
names = {name(l) for l in lines}
keep = [l for l in open(base, encoding="utf-8").read().splitlines() if l.split("#", 1)[0].strip() and name(l) not in names]
open(out, "w", encoding="utf-8").write("\n".join(keep + lines) + "\n")
PY
  echo "$out"
}

ensure_env() {
  local py ver venv stamp want req pip inst index
  py=$(pick_python)
  ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  venv="$ROOT/.venv-$ver-$LANE"
  # INSTALL_RECIPE：安装步骤本身改变时（例如加了 --compile-bytecode）加一，让已有的环境重新安装
  want=$( (echo "$INSTALL_RECIPE"; cat requirements.txt requirements-mxnet.txt requirements-numpy1.txt pyproject.toml) \
         | "$py" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
  stamp="$venv/.course-installed"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
    :
  else
    say "准备 Python $ver（测试线 $LANE）的虚拟环境 $venv（只在第一次或依赖变化时安装）..."
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
    pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
    # 先卸掉旧的 mxnet：它的元数据写着 numpy<2，留着它，pip 升级 numpy 时会报依赖冲突
    "${pip[@]}" uninstall -y mxnet >/dev/null 2>&1 || true
    inst=("${pip[@]}" install)
    # 安装器：先用 pip 装上 uv（并行下载，空缓存时快得多，数字见 CONTRIBUTING），用它安装；
    # 装不上 uv（或 COURSE_INSTALLER=pip）就用 pip。pip 配置的镜像地址（index-url）照样传给 uv。
    if [ "${COURSE_INSTALLER:-uv}" = uv ] && "${pip[@]}" install "$UV_PIN" >/dev/null 2>&1; then
      # --compile-bytecode：安装时就把 .py 编译成 .pyc（pip 默认如此，uv 默认不做）。否则设置了
      # PYTHONDONTWRITEBYTECODE 的机器上，每个 Python 进程（每个内核、每个测试进程）都要重新编译
      # mxnet、matplotlib 的源代码（测得的差别见 benchmarks/README.md 的“启动开销”一节）。
      inst=("$venv/bin/uv" pip install --quiet --compile-bytecode --python "$venv/bin/python")
      index=$("${pip[@]}" config list 2>/dev/null | sed -n "s/^[a-z]*\.index-url='\(.*\)'$/\1/p" | head -n 1)
      index="${PIP_INDEX_URL:-$index}"
      [ -z "$index" ] || inst+=(--index-url "$index")
    fi
    req=$(lane_requirements "$venv/bin/python" "$venv/requirements-lane.txt")
    # 两步安装：先装课程的固定版本，再以 --no-deps 装 mxnet 和 d2lutils（见 requirements-mxnet.txt）
    "${inst[@]}" -r "$req"
    "${inst[@]}" --no-deps -r requirements-mxnet.txt -e .
    "$venv/bin/python" -c 'import d2lutils' || { say "环境安装后仍无法导入 d2lutils（见上面的中文错误）。"; exit 1; }
    echo "$want" > "$stamp"
  fi
  VENV="$venv"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  lab)
    ensure_env
    # 没有中文字体时说一次怎样安装（图照常画，只是中文显示为方框）
    "$VENV/bin/python" -c 'import sys, d2lutils.compat as e; m = e.cjk_font_hint(); m and print("[course] " + m, file=sys.stderr)' || true
    extra=()
    [ "$(id -u)" = 0 ] && extra+=(--allow-root)   # Jupyter 拒绝以 root 运行，除非明确允许
    "$VENV/bin/python" tools/workspace.py sync     # 学习者的副本 my-notebooks/：第一次使用时建立
    # 保存笔记本前去掉随 Python 版本变化的元数据（tools/notebook_metadata.py）
    export JUPYTER_CONFIG_PATH="$ROOT/tools/jupyter${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"
    # 维护者直接打开 git 跟踪的课程：COURSE_LAB_DIR=notebooks ./course.sh lab
    exec "$VENV/bin/jupyter" lab --ServerApp.root_dir="$(realpath "${COURSE_LAB_DIR:-my-notebooks}")" "${extra[@]}" "$@"
    ;;
  reset)
    ensure_env
    exec "$VENV/bin/python" tools/workspace.py reset "$@"
    ;;
  test)
    ensure_env
    # 测试时总是写下字节码缓存（__pycache__，git 忽略），即使环境变量 PYTHONDONTWRITEBYTECODE 要求不写：
    # 测试启动几十个 Python 进程（内核、参数服务器、子进程），没有缓存时每个都要重新编译课程和测试的源代码。
    unset PYTHONDONTWRITEBYTECODE
    # 两个进程并行（机器有 2 核）；--dist loadfile 让同一笔记本的单元格留在同一进程；
    # --no-loadscope-reorder：按 conftest.py 排好的顺序分配（最耗时的文件在前）。
    # COURSE_WORKERS=0 ./course.sh test 则在一个进程里顺序运行（便于调试）。
    exec "$VENV/bin/python" -m pytest -n "${COURSE_WORKERS:-2}" --dist loadfile --no-loadscope-reorder "$@"
    ;;
  regen)
    ensure_env
    exec "$VENV/bin/python" tools/run_notebooks.py "$@"
    ;;
  html)
    ensure_env
    exec "$VENV/bin/python" tools/build_html.py "$@"
    ;;
  env)
    ensure_env
    echo "$VENV"
    ;;
  dist)
    ensure_env
    rm -rf "$ROOT/dist"
    # --no-isolation：用课程环境里固定版本的 setuptools 构建，不联网
    "$VENV/bin/python" -m build --no-isolation --outdir "$ROOT/dist" "$ROOT" >/dev/null
    "$VENV/bin/python" -m twine check --strict "$ROOT"/dist/*
    ls "$ROOT"/dist/*
    ;;
  links)
    exec python3 tools/class_links.py "$@"
    ;;
  bench)
    ensure_env
    # ./course.sh bench --dist：参数服务器训练的基准（benchmarks/bench_dist.py）
    if [ "${1:-}" = "--dist" ]; then shift; exec "$VENV/bin/python" benchmarks/bench_dist.py "$@"; fi
    # ./course.sh bench --startup：每个新 Python 进程的启动开销（benchmarks/bench_startup.py）
    if [ "${1:-}" = "--startup" ]; then shift; exec "$VENV/bin/python" benchmarks/bench_startup.py "$@"; fi
    exec "$VENV/bin/python" benchmarks/bench_corr2d.py "$@"
    ;;
  *)
    # 打印文件开头的注释（用法说明），直到第一行不是注释为止
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    [ -z "$cmd" ] || { say "未知命令：$cmd"; exit 2; }
    ;;
esac
