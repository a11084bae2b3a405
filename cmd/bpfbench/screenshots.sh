#!/usr/bin/env bash
# Screenshots of the real window for the docs: builds bpfdraft, makes a
# data dir with a filled draft written by two participants (merged by
# file, as two offline machines would), and runs the window's tour under
# Xvfb in English and French, light and dark. Writes
# docs/screenshots/{en,fr}-{light,dark}-*.png, the
# sample publications of that draft in docs/samples/ and PNGs of the
# PDF's first pages (pdftoppm) in docs/screenshots/pdf-page-*.png.
#
#   bash cmd/bpfbench/screenshots.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib.sh
BPF_PACKAGES+=(xvfb imagemagick "${BPF_TEST_PACKAGES[@]}")
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
$B $Bo write "$id" --section 2 --append --inline --text " Small operators asked for templates they can adopt without legal staff." >/dev/null
$B $Bo write "$id" --section 1 --text "The Best Practice Forum on Cybersecurity met eleven times in 2026, online and at the IGF in Norway. It looked at how international norms for responsible state behaviour are put into practice by governments, companies, communities and incident responders." >/dev/null
$B $Bo comment "$id" --section 2 --quote "national strategies" --text "Which strategies? Name two or three." >/dev/null
$B $Bo write "$id" --section 4 --text "Three practices recur in the submissions:

- **shared incident reports** between operators of one region;
- *joint exercises* of response teams across borders;
- plain-language guides for small operators.

وأكد المشاركون من المنطقة العربية أن الثقة بين فرق الاستجابة تُبنى عبر التمارين المشتركة.

来自亚太地区的参与者指出，跨境信任需要长期的共同演练。" >/dev/null
$B $Bo export "$id" --format automerge -o "$work/b.automerge" >/dev/null
$B $A import "$work/b.automerge" >/dev/null
$B $A write "$id" --section 9 --text "The BPF proposes to continue in 2027 and to look at incident response in small island states." >/dev/null
# Links and a footnote; the title page's details; two annexes, one
# imported from a Markdown file a participant mailed in.
$B $A write "$id" --section 3 --append --text "The [Global Forum on Cyber Expertise](https://thegfce.org/) keeps a map of such programmes; the survey behind this section had 42 answers.[^survey]

[^survey]: The survey ran from March to June 2026; its questions are in Annex A." >/dev/null
printf 'We met eleven times in 2026. This output describes how cyber norms reach operators, what worked, and what is left for 2027.\n\nIt is open for public comment until 30 September 2026.\n' > "$work/summary.txt"
$B $A details "$id" --co-facilitators "Amina Diallo" --co-facilitators "Bruno Silva" --rapporteur "Chen Wei" \
	--summary-file "$work/summary.txt" --dissemination "ITU" --dissemination "UNESCO" --dissemination "UN Office for Disarmament Affairs" >/dev/null
printf '## Survey of participants\n\nForty-two participants answered: 14 from civil society, 11 from the technical community, 9 from governments, 8 from the private sector.\n\n- Which norms do you apply?\n- Who helps you apply them?\n\n## Glossary\n\n**CERT**: a computer emergency response team.\n\n**CSIRT**: a computer security incident response team.\n' > "$work/annexes.md"
$B $A import-text "$id" "$work/annexes.md" >/dev/null
$B $A heading "$id" annex 10 >/dev/null
$B $A heading "$id" annex 11 >/dev/null
$B $A version "$id" --name "Draft for public comment" >/dev/null

# Sample publications of the version, and the public-comment round trip.
samples=docs/samples
mkdir -p "$samples"
for f in pdf docx odt html md; do
	$B $A export "$id" --version "Draft for public comment" -o "$samples/bpf-cybersecurity-2026.$f" >/dev/null
done
$B $A export "$id" --version "Draft for public comment" --format comment-template -o "$samples/comment-template.csv" >/dev/null
printf 'paragraph,name,organisation,stakeholder_group,region,comment\r\n2.1,Chen Wei,ISOC Asia-Pacific,Technical community,Asia-Pacific,"Name the national strategies you mean, please."\r\n4.1,Dana Okafor,,Civil society,African,Add a practice on training for small operators.\r\n' > "$work/comments.csv"
$B $A comments import "$id" "$work/comments.csv" --version "Draft for public comment" >/dev/null
for c in $($B $A comments "$id" --public | awk '/public comment by/ {print $1}'); do
	$B $A respond "$id" "$c" --status partly-accepted --text "Reworded in the final output." >/dev/null
done
$B $A export "$id" --format disposition-md -o "$samples/disposition.md" >/dev/null
$B $A export "$id" --format disposition-csv -o "$samples/disposition.csv" >/dev/null
# Revisions after the round, by both: what the Review tab shows.
$B $A write "$id" --section 2 --text "Participants from every region described how norms reach operators: through national strategies (Kenya's and Brazil's among them), through procurement rules, and through the everyday work of incident response teams. Small operators asked for templates they can adopt without legal staff." >/dev/null
$B $A export "$id" --format automerge -o "$work/a2.automerge" >/dev/null
$B $Bo import "$work/a2.automerge" >/dev/null
$B $Bo write "$id" --section 3 --append --inline --text " Regional CERT networks carried most of the cross-border work." >/dev/null
$B $Bo write "$id" --section 1 --text "The Best Practice Forum on Cybersecurity met eleven times in 2026, online and at the IGF. It looked at how international norms for responsible state behaviour are put into practice by governments, companies, communities and incident responders." >/dev/null
# Where each stands on the paragraphs: the Consensus view.
$B $Bo stance "$id" 2.1 support --reason "Matches what operators told us." >/dev/null
$B $Bo stance "$id" 4.1 object --reason "Training belongs here too." >/dev/null
$B $Bo export "$id" --format automerge -o "$work/b2.automerge" >/dev/null
$B $A import "$work/b2.automerge" >/dev/null
$B $A stance "$id" 2.1 support >/dev/null
$B $A settle "$id" 2.1 agreed --note "Agreed in the call of 12 November." >/dev/null
$B $A settle "$id" 4.1 contested >/dev/null
pdftoppm -r 70 -f 1 -l 3 -png "$samples/bpf-cybersecurity-2026.pdf" "$work/pdf"
mkdir -p "$out"
for f in "$work"/pdf-*.png; do cp "$f" "$out/pdf-page-$(basename "$f" .png | sed 's/^pdf-0*//').png"; done

Xvfb :77 -screen 0 1280x800x24 >/dev/null 2>&1 &
xvfb=$!
sleep 1
mkdir -p "$out"
rm -f "$out"/en-*.png "$out"/fr-*.png
for t in light dark; do
	for l in en fr; do
		dir="$work/shots-$l-$t"
		FYNE_THEME=$t LANGUAGE=$l DISPLAY=:77 $B $A gui --offline --screenshots "$dir" 2>/dev/null
		for f in "$dir"/*.png; do cp "$f" "$out/$l-$t-$(basename "$f")"; done
	done
done
ls -l "$out"
