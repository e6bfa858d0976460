#!/usr/bin/env bash
# Install the Debian packages a target needs, only those missing. As root this runs
# apt-get; otherwise it names what to install and fails.
#   scripts/system-deps.sh run   # the demo: venv, PDF libraries and fonts
#   scripts/system-deps.sh test  # the suite: plus PostgreSQL, Redis, Chromium, poppler
set -euo pipefail

run_pkgs=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)
test_pkgs=("${run_pkgs[@]}" postgresql redis-server poppler-utils docker-compose)
# Debian's Chromium with recommends pulls 100+ packages the tests never use.
test_norec_pkgs=(chromium)

case "${1:-}" in
  run) want=("${run_pkgs[@]}"); norec=() ;;
  test) want=("${test_pkgs[@]}"); norec=("${test_norec_pkgs[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

mapfile -t miss < <(missing "${want[@]}")
mapfile -t miss_norec < <(missing "${norec[@]}")
if ((${#miss[@]} + ${#miss_norec[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "缺少系统软件包 / missing Debian packages: ${miss[*]} ${miss_norec[*]}" >&2
  echo "请以 root 运行：apt-get install -y ${miss[*]} ${miss_norec[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo ">> apt-get install ${miss[*]} ${miss_norec[*]}"
apt-get update -q
if ((${#miss[@]})); then apt-get install -y -q "${miss[@]}"; fi
if ((${#miss_norec[@]})); then apt-get install -y -q --no-install-recommends "${miss_norec[@]}"; fi
