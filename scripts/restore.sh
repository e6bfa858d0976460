#!/usr/bin/env bash
# make restore FROM=backups/<folder> [ARGS=--force]: check the backup's own hashes, refuse
# a database that has tables or an uploads folder that has files (unless --force, which
# empties them first), restore both, and compare the result with the manifest: exit 0 only
# when every table's rows and every file's SHA-256 are as backed up.
#   scripts/restore.sh backups/liaoyang-20261202T041500Z [--force]
set -euo pipefail
[[ $# -ge 1 && $1 != -* ]] || { echo "用法 / usage: scripts/restore.sh <备份文件夹> [--force]" >&2; exit 2; }
# Relative to where it was called from, before the cd below.
folder=$(realpath -m "$1")
shift
cd "$(dirname "$0")/.."
source scripts/manage-env.sh
exec "$APP_PYTHON" manage.py restore "$folder" "$@"
