package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkConsensus (issue 27): where 2,000 stances stand on a draft of
// 2,000 paragraphs and about 196,000 characters, with the document
// loaded (the window's case). The set-up writes the stances one commit
// each, about 20 s. go test ./app -run '^$' -bench Consensus -benchtime 10x
func BenchmarkConsensus(b *testing.B) {
	ctx := context.Background()
	w := openWS(b, b.TempDir())
	withProfile(b, w, "Amina")
	s := newDraft(b, w, "Big")
	for sec := 1; sec <= 8; sec++ {
		var paras []string
		for i := range 250 {
			paras = append(paras, fmt.Sprintf("Paragraph %d of heading %d: %s", i, sec, strings.Repeat("word ", 14)))
		}
		if _, _, err := s.Write(ctx, fmt.Sprint(sec), strings.Join(paras, "\n\n"), false); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 2000 {
		if err := s.SetStance(ctx, fmt.Sprintf("%d.%d", 1+i%8, 1+i/8), Support, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		c, err := s.Consensus()
		if err != nil || len(c.Paragraphs) != 2000 {
			b.Fatalf("%d paragraphs, %v", len(c.Paragraphs), err)
		}
	}
}
