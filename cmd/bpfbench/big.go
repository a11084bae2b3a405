package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// bigResult is one bpfdraft command run on a draft of one size.
type bigResult struct {
	Chars   int       `json:"chars"`
	Command string    `json:"command"`
	Seconds []float64 `json:"seconds"` // each run, wall clock, process start to exit
	MaxRSS  int64     `json:"max_rss_kb"`
}

// bigSizes are the draft sizes issue 15 asks figures for. Past
// app.MaxDraftText a draft is reached as it is in use: co-authors each
// write within the limit offline and their copies merge.
// 200,000 is the most one draft takes (app.MaxDraftText), where issue 25
// measures a named version's export.
var bigSizes = []int{40_000, 200_000, 250_000, 1_000_000}

// runBig builds drafts of bigSizes characters and times bpfdraft, as a
// process, reading and writing them: what a person at a terminal waits
// for, and the most memory the process held.
func runBig(ctx context.Context, dir string, log *slog.Logger) ([]bigResult, error) {
	bin := filepath.Join(dir, "bin")
	if err := buildBinaries(ctx, bin, "bpfdraft"); err != nil {
		return nil, err
	}
	var out []bigResult
	for _, size := range bigSizes {
		data := filepath.Join(dir, fmt.Sprint("big", size))
		id, err := bigDraft(ctx, data, size, log)
		if err != nil {
			return out, fmt.Errorf("%d characters: %w", size, err)
		}
		run := func(label string, args ...string) error {
			r := bigResult{Chars: size, Command: label}
			for range 3 {
				secs, rss, err := timeCommand(ctx, filepath.Join(bin, "bpfdraft"), append([]string{"--data", filepath.Join(data, "A")}, args...))
				if err != nil {
					return fmt.Errorf("%s: %w", label, err)
				}
				r.Seconds = append(r.Seconds, secs)
				r.MaxRSS = max(r.MaxRSS, rss)
			}
			out = append(out, r)
			return nil
		}
		for _, c := range []struct {
			label string
			args  []string
		}{
			{"show", []string{"show", id}},
			{"heading list", []string{"heading", id, "list"}},
			{"export .md", []string{"export", id, "-o", filepath.Join(data, "out.md")}},
			{"export .docx", []string{"export", id, "-o", filepath.Join(data, "out.docx")}},
			{"export .pdf", []string{"export", id, "-o", filepath.Join(data, "out.pdf")}},
			// A named version: read from its stored copy, not the history.
			{"export version .md", []string{"export", id, "--version", bigVersion, "-o", filepath.Join(data, "v.md")}},
			{"export version .docx", []string{"export", id, "--version", bigVersion, "-o", filepath.Join(data, "v.docx")}},
			{"export version .pdf", []string{"export", id, "--version", bigVersion, "-o", filepath.Join(data, "v.pdf")}},
			// Past the limit a draft takes no more text, so the write that
			// times loading the document renames a heading.
			{"heading rename", []string{"heading", id, "rename", "9", "Next year"}},
			{"show after a write", []string{"show", id}},
			{"log", []string{"log", id}},
		} {
			if err := run(c.label, c.args...); err != nil {
				return out, fmt.Errorf("%d characters: %w", size, err)
			}
		}
	}
	return out, nil
}

// bigDraft makes a draft of size characters in dir/A: one author writes
// up to 180,000 characters into heading 1; for more, each further
// co-author takes the empty draft, writes up to 180,000 into a heading
// of their own offline, and A merges their copies (as sync does).
func bigDraft(ctx context.Context, dir string, size int, log *slog.Logger) (string, error) {
	const part = 180_000
	text := bigText(size)
	a, err := openReplica(ctx, filepath.Join(dir, "A"), "A", log)
	if err != nil {
		return "", err
	}
	defer a.close()
	id, err := a.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Big draft", Year: 2025})
	if err != nil {
		return "", err
	}
	if a.s, err = a.ws.Session(ctx, id); err != nil {
		return "", err
	}
	empty, err := a.s.Save(ctx)
	if err != nil {
		return "", err
	}
	for k := 0; k*part < len(text); k++ {
		chunk := text[k*part : min(len(text), (k+1)*part)]
		section := fmt.Sprint(k + 1)
		if k == 0 {
			if _, _, err := a.s.Write(ctx, section, chunk, false); err != nil {
				return "", err
			}
			continue
		}
		whole, err := coAuthorWrites(ctx, filepath.Join(dir, fmt.Sprint("P", k)), empty, section, chunk, log)
		if err != nil {
			return "", err
		}
		if _, _, err := a.ws.Import(ctx, whole); err != nil {
			return "", err
		}
	}
	n := 0
	for _, sec := range a.s.Sections() {
		n += len(sec.Body)
	}
	if n != size {
		return "", fmt.Errorf("the draft holds %d characters, not %d", n, size)
	}
	if _, err := a.s.NameVersion(ctx, bigVersion); err != nil {
		return "", err
	}
	return id, nil
}

// bigVersion is the version every big draft names once written.
const bigVersion = "Draft for public comment"

func coAuthorWrites(ctx context.Context, dir string, draft []byte, section, text string, log *slog.Logger) ([]byte, error) {
	p, err := openReplica(ctx, dir, filepath.Base(dir), log)
	if err != nil {
		return nil, err
	}
	defer p.close()
	id, _, err := p.ws.Import(ctx, draft)
	if err != nil {
		return nil, err
	}
	if p.s, err = p.ws.Session(ctx, id); err != nil {
		return nil, err
	}
	if _, _, err := p.s.Write(ctx, section, text, false); err != nil {
		return nil, err
	}
	return p.s.Save(ctx)
}

// bigText is size characters of sentences of words of random letters,
// in paragraphs, the same for a size every run.
func bigText(size int) string {
	rng := rand.New(rand.NewPCG(uint64(size), 15))
	var b strings.Builder
	for b.Len() < size {
		for w := range 8 + rng.IntN(12) {
			if w > 0 {
				b.WriteByte(' ')
			}
			for range 2 + rng.IntN(9) {
				b.WriteByte(byte('a' + rng.IntN(26)))
			}
		}
		b.WriteString(". ")
		if rng.IntN(6) == 0 {
			b.WriteString("\n\n")
		}
	}
	return b.String()[:size]
}

// timeCommand runs a command to its end, its output discarded, and
// returns its wall-clock time and its peak resident memory in KB. The
// memory comes from /usr/bin/time (Debian's time package): a process
// this one starts directly inherits this one's peak, which holds the
// drafts it built.
func timeCommand(ctx context.Context, bin string, args []string) (float64, int64, error) {
	report, err := os.CreateTemp("", "bpfbench-time-")
	if err != nil {
		return 0, 0, err
	}
	report.Close()
	defer os.Remove(report.Name())
	cmd := exec.CommandContext(ctx, "/usr/bin/time", append([]string{"-f", "%M", "-o", report.Name(), bin}, args...)...)
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8")
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	secs := time.Since(start).Seconds()
	out, err := os.ReadFile(report.Name())
	if err != nil {
		return 0, 0, err
	}
	rss, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("reading /usr/bin/time's report %q: %w", out, err)
	}
	return secs, rss, nil
}

func printBig(w io.Writer, rs []bigResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "characters\tcommand\tmedian\truns\tmost memory\t")
	for _, r := range rs {
		s := slices.Clone(r.Seconds)
		slices.Sort(s)
		runs := make([]string, len(r.Seconds))
		for i, v := range r.Seconds {
			runs[i] = fmt.Sprintf("%.2f", v)
		}
		fmt.Fprintf(tw, "%d\t%s\t%.2f s\t%s\t%d MB\t\n", r.Chars, r.Command, s[len(s)/2], strings.Join(runs, " "), r.MaxRSS>>10)
	}
	tw.Flush()
}
