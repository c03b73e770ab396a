#!/usr/bin/env bash
# Make DIR a PATH of a fresh machine: node, npm, npx, git, python3, a shell and the coreutils,
# nothing else (no perl, QEMU, kubectl, registry). Used to prove the hermetic suite and the
# demo need nothing more: PATH=DIR npm run test:unit, PATH=DIR npm run demo.
set -euo pipefail
dir=${1:?usage: scripts/bare-path.sh DIR}
mkdir -p "$dir"
# type -P: the program file, also for names the shell has as builtins (printf, echo, test).
link() { local p; p=$(type -P "$1" 2>/dev/null) && [ -x "$p" ] && ln -sf "$p" "$dir/$1"; return 0; }
for c in node npm npx git sh bash env grep sed awk find xargs diff gzip tar which; do link "$c"; done
# The interpreter itself: a version manager's shim is a script that needs the manager.
if py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -x "$py" ]; then
  ln -sf "$py" "$dir/python3"
fi
for c in cat ls mkdir rm cp mv ln chmod chown touch stat head tail sort uniq tr cut wc date sleep \
  mktemp dirname basename readlink realpath id uname true false test printf echo tee expr seq \
  nproc rmdir kill env md5sum sha256sum base64 du df install mknod timeout; do link "$c"; done
