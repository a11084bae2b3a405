package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
)

// largeResult is one large offline edit carried to a co-author.
type largeResult struct {
	Link      string  `json:"link"`
	EditBytes int     `json:"edit_bytes"`
	InsertS   float64 `json:"insert_s"` // the author's commit of the edit
	SyncS     float64 `json:"sync_s"`   // the co-author's sync that fetches it
	Bytes     int64   `json:"bytes"`    // both directions, on the link
	Arrived   bool    `json:"arrived"`
}

// runLarge measures the largest edit a draft takes: a pasted annex as
// large as app.MaxDraftText allows (issue 15; issue 13 measured 256 KB,
// 1 MB and 4 MB before the limit), committed at once and fetched by a
// co-author over loopback, then over the emulated 32 kbit/s link.
func runLarge(ctx context.Context, dir string, log *slog.Logger) ([]largeResult, error) {
	var out []largeResult
	for i, c := range []struct {
		size int
		link *linkSpec
	}{{app.MaxDraftText - 100, nil}, {app.MaxDraftText - 100, &lowband}} {
		r, err := largeOnce(ctx, filepath.Join(dir, fmt.Sprint("large", i)), c.size, c.link, log)
		if err != nil {
			return out, fmt.Errorf("%d bytes: %w", c.size, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func largeOnce(ctx context.Context, dir string, size int, spec *linkSpec, log *slog.Logger) (largeResult, error) {
	res := largeResult{Link: "loopback", EditBytes: size}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	a, err := openReplica(ctx, filepath.Join(dir, "A"), "A", log)
	if err != nil {
		return res, err
	}
	defer a.close()
	b, err := openReplica(ctx, filepath.Join(dir, "B"), "B", log)
	if err != nil {
		return res, err
	}
	defer b.close()
	id, err := a.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Annex", Year: 2025})
	if err != nil {
		return res, err
	}
	inv, err := a.ws.Invite(ctx, id, nil, nil)
	if err != nil {
		return res, err
	}
	if _, err := b.ws.Join(ctx, inv.Code()); err != nil {
		return res, err
	}
	na, err := newNode(a, dir)
	if err != nil {
		return res, err
	}
	defer na.Close()
	target := na.Addrs()[0]
	if !strings.Contains(target, "/tcp/") {
		for _, ad := range na.Addrs() {
			if strings.Contains(ad, "/tcp/") {
				target = ad
			}
		}
	}
	syncB := func(addr string) (p2p.Result, error) {
		var r p2p.Result
		err := withNode(ctx, b, dir, func(n *p2p.Node) error {
			r = n.Sync(ctx, addr, true)
			return r.Err
		})
		return r, err
	}
	if _, err := syncB(target); err != nil { // the co-author's first copy
		return res, err
	}

	// The annex: words of random letters, which deflate cannot shrink to nothing.
	rng := rand.New(rand.NewPCG(uint64(size), 7))
	var text strings.Builder
	for text.Len() < size {
		n := 2 + rng.IntN(9)
		for range n {
			text.WriteByte(byte('a' + rng.IntN(26)))
		}
		text.WriteByte(' ')
	}
	s, err := a.ws.Session(ctx, id)
	if err != nil {
		return res, err
	}
	start := time.Now()
	if _, _, err := s.Write(ctx, "1", text.String(), true); err != nil {
		s.Close(ctx)
		return res, err
	}
	res.InsertS = time.Since(start).Seconds()
	s.Close(ctx)

	addr := target
	var counter func() int64
	if spec != nil {
		res.Link = fmt.Sprintf("%.0f kbit/s, %v, %.0f%% loss", spec.rate/1000, spec.delay, spec.loss*100)
		p, err := newTCPProxy(hostPortOf(target), *spec, 1)
		if err != nil {
			return res, err
		}
		defer p.close()
		h, port := splitHostPort(p.addr())
		addr = fmt.Sprintf("/ip4/%s/tcp/%s/p2p/%s", h, port, na.ID())
		counter = p.bytes.Load
	}
	start = time.Now()
	r, err := syncB(addr)
	if err != nil {
		return res, err
	}
	res.SyncS = time.Since(start).Seconds()
	res.Bytes = r.Stats.BytesIn + r.Stats.BytesOut
	if counter != nil {
		res.Bytes = counter()
	}
	sb, err := b.ws.Session(ctx, id)
	if err != nil {
		return res, err
	}
	defer sb.Close(ctx)
	sec, err := sb.Section("1")
	res.Arrived = err == nil && len(sec.Body) >= size
	return res, nil
}

func printLarge(w io.Writer, rs []largeResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "link\tedit\tauthor's commit\tco-author's sync\tbytes\tarrived\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%d KB\t%.1f s\t%.1f s\t%d B\t%v\t\n", r.Link, r.EditBytes>>10, r.InsertS, r.SyncS, r.Bytes, r.Arrived)
	}
	tw.Flush()
}
