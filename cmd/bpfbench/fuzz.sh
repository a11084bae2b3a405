#!/usr/bin/env bash
# A fuzzing campaign over every fuzz target in the module (issue 13's
# suite): each target for FUZZTIME (default 10m), one worker each unless
# PARALLEL says otherwise. New failing inputs land in the package's
# testdata/fuzz/<Target>, where `go test` replays them from then on.
#   bash cmd/bpfbench/fuzz.sh                 # 10 minutes per target
#   FUZZTIME=30s bash cmd/bpfbench/fuzz.sh    # a quick look
set -u
cd "$(dirname "$0")/../.."
status=0
for file in $(git ls-files '*_test.go'); do
	pkg=./$(dirname "$file")
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(f \*testing\.F).*/\1/p' "$file"); do
		out=$(go test -run='^$' -fuzz="^${target}\$" -fuzztime="${FUZZTIME:-10m}" -parallel="${PARALLEL:-1}" "$pkg" 2>&1)
		rc=$?
		# The last progress line carries the executions and the corpus.
		last=$(printf '%s\n' "$out" | grep 'fuzz: elapsed' | tail -1)
		printf '%-32s %-14s %s\n' "$target" "$pkg" "${last#*fuzz: }"
		if [ $rc -ne 0 ]; then
			printf '%s\n' "$out" | tail -30
			status=1
		fi
	done
done
exit $status
