#!/usr/bin/env bash
# How soon a `bpfdraft serve` peer is back in session after its relay is
# killed (kill -9) and restarted on the same data dir and port (issue 13,
# item 15). Real processes on loopback; "back" is the relay logging the
# serve peer's session open again.
#   bash cmd/bpfbench/reconnect.sh            # outages of 5, 8, 11, 14, 17 s
#   ROUNDS=1 DOWN=150 bash cmd/bpfbench/reconnect.sh
set -u
cd "$(dirname "$0")/../.."
export LANG=C.UTF-8
BIN=$(mktemp -d); W=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$BIN" "$W"' EXIT
go build -o "$BIN/bpfdraft" ./cmd/bpfdraft && go build -o "$BIN/bpfrelay" ./cmd/bpfrelay || exit 1
B=$BIN/bpfdraft; R=$BIN/bpfrelay
PORT=$((20000 + RANDOM % 20000))
$R --data "$W/relay" --open --listen /ip4/127.0.0.1/tcp/$PORT > "$W/relay.out" 2> "$W/relay.err" &
RP=$!
until [ -s "$W/relay.out" ]; do sleep 0.1; done
RADDR=$(head -1 "$W/relay.out")
$B --data "$W/a" profile --name A --group Government --region African >/dev/null 2>&1
ID=$($B --data "$W/a" new --title T 2>/dev/null)
$B --data "$W/a" invite "$ID" --relay "$RADDR" >/dev/null 2>&1
$B --data "$W/a" sync --once >/dev/null 2>&1
$B --data "$W/a" serve --listen /ip4/127.0.0.1/tcp/0 >/dev/null 2>&1 &
sleep 3
for round in ${ROUNDS:-1 2 3 4 5}; do
	down=${DOWN:-$((2 + round * 3))}
	kill -9 $RP
	wait $RP 2>/dev/null
	sleep "$down"
	start=$(date +%s.%N)
	$R --data "$W/relay" --open --verbose --listen /ip4/127.0.0.1/tcp/$PORT >/dev/null 2> "$W/relay$round.err" &
	RP=$!
	until grep -q "Sync session open" "$W/relay$round.err" 2>/dev/null; do sleep 0.05; done
	printf 'relay down %d s: serve peer back %.2f s after it returned\n' "$down" "$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')"
done
