package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/export"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// publishResult is what the publish benchmark measures on W1-final.
type publishResult struct {
	TextBytes int             `json:"text_bytes"`
	Formats   []formatFigures `json:"formats"`
	ImportMS  float64         `json:"import_1000_comments_ms"`
	Imported  int             `json:"imported"`
}

type formatFigures struct {
	Format string  `json:"format"`
	MS     float64 `json:"ms"`
	Bytes  int     `json:"bytes"`
}

// runPublish replays W1, names a version, and times the export of that
// version to every format (laying it out included), then an import of
// 1,000 public comments spread over its paragraphs.
func runPublish(ctx context.Context, w *Workloads, dir string, log *slog.Logger) (*publishResult, error) {
	r, err := openReplica(ctx, filepath.Join(dir, "publish"), "Rapporteur", log)
	if err != nil {
		return nil, err
	}
	defer r.close()
	id, err := r.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "W1", Year: 2025})
	if err != nil {
		return nil, err
	}
	if r.s, err = r.ws.Session(ctx, id); err != nil {
		return nil, err
	}
	ids := sectionMap(r.s.Sections())
	if err := r.replay(ctx, w.W1, ids); err != nil {
		return nil, err
	}
	v, err := r.s.NameVersion(ctx, "Draft for public comment")
	if err != nil {
		return nil, err
	}
	res := &publishResult{}
	for _, sec := range r.s.Sections() {
		res.TextBytes += len(sec.Body)
	}
	var pub export.Publication
	for _, f := range export.Formats {
		if f.Render == nil {
			continue
		}
		start := time.Now()
		if pub, err = r.s.Publication(v.ID, false); err != nil {
			return nil, err
		}
		data, err := f.Render(pub)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		res.Formats = append(res.Formats, formatFigures{f.Name, ms(time.Since(start)), len(data)})
	}
	// 1,000 comments, round-robin over the paragraphs.
	var paras []string
	for _, part := range pub.Parts {
		for _, p := range part.Paras {
			paras = append(paras, p.Number)
		}
	}
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{"paragraph", "name", "organisation", "stakeholder_group", "region", "comment"})
	groups, regions := crdt.Groups, crdt.Regions
	for i := 0; i < 1000; i++ {
		cw.Write([]string{paras[i%len(paras)], fmt.Sprintf("Commenter %d", i), "Example org", string(groups[i%len(groups)]),
			string(regions[i%len(regions)]), fmt.Sprintf("Comment %d: please make this paragraph clearer about who does what.", i)})
	}
	cw.Flush()
	start := time.Now()
	rep, err := r.s.ImportComments(ctx, b.Bytes(), v.ID)
	if err != nil {
		return nil, err
	}
	res.ImportMS = ms(time.Since(start))
	res.Imported = rep.Added
	return res, nil
}

func (r *publishResult) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "W1-final (%d B of text), a named version\t\t\t\t\n", r.TextBytes)
	fmt.Fprintln(tw, "format\ttime\tsize\ttarget\t")
	for _, f := range r.Formats {
		fmt.Fprintf(tw, "%s\t%.0f ms\t%d B\t≤ 1 s\t\n", f.Format, f.MS, f.Bytes)
	}
	fmt.Fprintf(tw, "import of 1,000 public comments\t%.0f ms\t%d added\t≤ 1 s\t\n", r.ImportMS, r.Imported)
	tw.Flush()
}
