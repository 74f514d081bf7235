#!/usr/bin/env bash
# 课程的入口。第一次运行时创建虚拟环境并安装固定版本的依赖，之后直接使用。
#   ./course.sh lab      打开课程：JupyterLab，根目录为 notebooks/
#   ./course.sh test     运行全部测试：单元测试 + 每个笔记本的 nbval 回归测试
#   ./course.sh regen    在全新内核中重新运行笔记本并保存输出（维护者用）
#   ./course.sh bench    运行速度基准（benchmarks/；--dist：参数服务器训练的基准）
#   ./course.sh html     生成阅读版静态网页到 _site/（用存储的输出，不重新运行）
#   ./course.sh env      只创建（或检查）虚拟环境，打印它的路径
# 选择 Python：COURSE_PYTHON=3.12 ./course.sh test（默认用找到的 3.11，其次 3.12）。
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

pick_python() {
  local want
  if [ -n "${COURSE_PYTHON:-}" ]; then
    case "$COURSE_PYTHON" in
      3.11|3.12) ;;
      *) say "COURSE_PYTHON=$COURSE_PYTHON 不受支持：MXNet 1.9.1 课程环境只支持 Python 3.11 和 3.12。"; return 1 ;;
    esac
    find_python "$COURSE_PYTHON" && return 0
    say "找不到 Python $COURSE_PYTHON。请安装它，或去掉 COURSE_PYTHON 使用默认版本。"
    return 1
  fi
  for want in 3.11 3.12; do
    find_python "$want" && return 0
  done
  say "需要 Python 3.11 或 3.12（MXNet 1.9.1 不支持 3.13 及更新版本）。"
  say "请安装其中之一（例如 apt-get install python3.11 python3.11-venv，或 pyenv install 3.11），再运行本命令。"
  return 1
}

ensure_env() {
  local py ver venv stamp want
  py=$(pick_python)
  ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  venv="$ROOT/.venv-$ver"
  want=$(cat requirements.txt pyproject.toml | "$py" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
  stamp="$venv/.course-installed"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
    :
  else
    say "准备 Python $ver 的虚拟环境 $venv（只在第一次或依赖变化时安装）..."
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
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
    extra=()
    [ "$(id -u)" = 0 ] && extra+=(--allow-root)   # Jupyter 拒绝以 root 运行，除非明确允许
    exec "$VENV/bin/jupyter" lab --ServerApp.root_dir="$ROOT/notebooks" "${extra[@]}" "$@"
    ;;
  test)
    ensure_env
    # 两个进程并行（机器有 2 核）；--dist loadfile 让同一笔记本的单元格留在同一进程。
    # COURSE_WORKERS=0 ./course.sh test 则在一个进程里顺序运行（便于调试）。
    exec "$VENV/bin/python" -m pytest -n "${COURSE_WORKERS:-2}" --dist loadfile "$@"
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
  bench)
    ensure_env
    # ./course.sh bench --dist：参数服务器训练的基准（benchmarks/bench_dist.py）
    if [ "${1:-}" = "--dist" ]; then shift; exec "$VENV/bin/python" benchmarks/bench_dist.py "$@"; fi
    exec "$VENV/bin/python" benchmarks/bench_corr2d.py "$@"
    ;;
  *)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    [ -z "$cmd" ] || { say "未知命令：$cmd"; exit 2; }
    ;;
esac
