#!/usr/bin/env bash
# Screenshots of the real window for the docs: builds bpfdraft, makes a
# data dir with a filled draft written by two participants (merged by
# file, as two offline machines would), and runs the window's tour under
# Xvfb in English and French. Writes docs/screenshots/{en,fr}-*.png.
#
#   bash cmd/bpfbench/screenshots.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
BPF_PACKAGES+=(xvfb imagemagick)
ensure_packages
ensure_go
out=${1:-docs/screenshots}
work=$(mktemp -d)
xvfb=
trap '[ -n "$xvfb" ] && kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/bpfdraft" ./cmd/bpfdraft
B="$work/bpfdraft"
A="--data $work/a"
Bo="--data $work/b"
export LANG=en_US.UTF-8

$B $A profile --name "Amina Diallo" --group "Civil society" --region African --role co-facilitator >/dev/null
id=$($B $A new --template output --title "BPF Cybersecurity 2026" --theme "Cybersecurity" --year 2026)
$B $A write "$id" --section 1 --text "The Best Practice Forum on Cybersecurity met eleven times in 2026, online and at the IGF in Norway. It looked at how international norms for responsible state behaviour are put into practice by governments, companies and communities." >/dev/null
$B $A write "$id" --section 2 --text "Participants from every region described how norms reach operators: through national strategies, through procurement rules, and through the everyday work of incident response teams." >/dev/null
$B $A version "$id" --name "Zero draft" >/dev/null
$B $A export "$id" --format automerge -o "$work/a.automerge" >/dev/null
$B $Bo profile --name "Bruno Silva" --group "Technical community" --region GRULAC >/dev/null
$B $Bo import "$work/a.automerge" >/dev/null
$B $Bo write "$id" --section 3 --text "Case studies from Brazil, Kenya and Viet Nam show that norms hold best where responders already trust each other across borders." >/dev/null
$B $Bo write "$id" --section 2 --append --text " Small operators asked for templates they can adopt without legal staff." >/dev/null
$B $Bo write "$id" --section 1 --text "The Best Practice Forum on Cybersecurity met eleven times in 2026, online and at the IGF in Norway. It looked at how international norms for responsible state behaviour are put into practice by governments, companies, communities and incident responders." >/dev/null
$B $Bo comment "$id" --section 2 --quote "national strategies" --text "Which strategies? Name two or three." >/dev/null
$B $Bo export "$id" --format automerge -o "$work/b.automerge" >/dev/null
$B $A import "$work/b.automerge" >/dev/null

Xvfb :77 -screen 0 1280x800x24 >/dev/null 2>&1 &
xvfb=$!
sleep 1
mkdir -p "$out"
for l in en fr; do
	dir="$work/shots-$l"
	LANGUAGE=$l DISPLAY=:77 $B $A gui --offline --screenshots "$dir" 2>/dev/null
	for f in "$dir"/*.png; do cp "$f" "$out/$l-$(basename "$f")"; done
done
ls -l "$out"
