#!/usr/bin/env bash
# Big drafts (issue 15): installs what it needs (/usr/bin/time) and runs
# bpfbench big, which times bpfdraft's commands, as processes, on
# drafts of 40 KB, 250 KB and 1 MB, with their peak memory.
#
#   bash cmd/bpfbench/big.sh [-json]
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
BPF_PACKAGES+=(time)
ensure_packages
ensure_go
go run ./cmd/bpfbench -no-anchors "$@" big
