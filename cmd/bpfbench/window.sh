#!/usr/bin/env bash
# The real window's benchmark (issue 14): installs what it needs (Xvfb,
# xdotool) and runs bpfbench window, which types into long texts
# in bpfdraft's window under Xvfb and times the screen and the data file.
#
#   bash cmd/bpfbench/window.sh [-json]           (everything, window2 last)
#   bash cmd/bpfbench/window.sh window2 [-json]   (only the two windows)
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
BPF_PACKAGES+=(xvfb xdotool)
ensure_packages
ensure_go
what=window
if [ "${1:-}" = window2 ]; then
	what=window2
	shift
fi
go run ./cmd/bpfbench -no-anchors "$@" "$what"
