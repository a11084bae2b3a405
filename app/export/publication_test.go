package export

import (
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// sampleSnapshot is a draft with what every format must get right: eight
// headings and the carry-forward segment (moved out of its place), 40+
// paragraphs, an empty heading, lists and emphasis, Arabic and Chinese.
func sampleSnapshot() crdt.Snapshot {
	headings := crdt.TemplateOutput.Headings()
	var secs []crdt.Section
	for i, h := range headings {
		var paras []string
		for k := 1; k <= 5; k++ {
			paras = append(paras, strings.Repeat("Participants discussed access and trust. ", k)+"Paragraph "+crdt.ParagraphNumber(i+1, k)+".")
		}
		secs = append(secs, crdt.Section{ID: string(rune('a' + i)), Heading: h.Title, Body: strings.Join(paras, "\n\n")})
	}
	secs[1].Body += "\n\nمرحبا بكم في منتدى حوكمة الإنترنت. هذه فقرة باللغة العربية."
	secs[2].Body += "\n\n互联网治理论坛的最佳实践论坛。这是一个中文段落。"
	secs[3].Body = "Measures that **worked** and *why*:\n\n- open standards\n- shared incident reports\n- regional CERT training\n\n" + secs[3].Body
	secs[4].Body = "" // an empty heading
	carry := secs[len(secs)-1]
	secs = append([]crdt.Section{carry}, secs[:len(secs)-1]...) // moved first: published last
	return crdt.Snapshot{
		Meta: crdt.Meta{ID: "x", Title: "BPF Cybersecurity 2026", Theme: "Cybersecurity", Year: 2026, Template: crdt.TemplateOutput,
			Language: "en", CoFacilitators: "Amina Diallo\nBruno Silva", Cover: "A short summary of the year's work.",
			Dissemination: "ITU\nUNESCO"},
		Sections: secs,
		Participants: []crdt.Participant{
			{Actor: "1", Person: "p1", Name: "Amina Diallo", Group: crdt.CivilSociety, Region: crdt.African},
			{Actor: "2", Person: "p2", Name: "Bruno Silva", Group: crdt.TechnicalCommunity, Region: crdt.GRULAC},
			{Actor: "3", Person: "p3", Name: "Chen Wei", Group: crdt.Government, Region: crdt.AsiaPacific},
		},
	}
}

func samplePublication() Publication {
	return Build(sampleSnapshot(), Edition{Version: "Draft for public comment", Date: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)})
}

func TestBuildNumbersEveryParagraphOnce(t *testing.T) {
	p := samplePublication()
	if !p.ForComment || len(p.Parts) != 9 || !carriesForward(p.Parts[8].Heading) || p.Parts[8].Number != 9 {
		t.Fatalf("parts: %d, last %q, for comment %v", len(p.Parts), p.Parts[len(p.Parts)-1].Heading, p.ForComment)
	}
	n := 0
	for i, part := range p.Parts {
		for k, para := range part.Paras {
			if para.Number != crdt.ParagraphNumber(i+1, k+1) {
				t.Errorf("paragraph %d of part %d is numbered %s", k+1, i+1, para.Number)
			}
			n++
		}
	}
	if n < 40 || len(p.Parts[4].Paras) != 0 {
		t.Errorf("%d paragraphs; the empty heading has %d", n, len(p.Parts[4].Paras))
	}
	ar := p.Parts[1].Paras[5]
	if !ar.RTL || !strings.HasPrefix(ar.Plain(), "مرحبا") {
		t.Errorf("the Arabic paragraph: %+v", ar)
	}
	list := p.Parts[3].Paras[1]
	if len(list.Blocks) != 1 || !list.Blocks[0].List || len(list.Blocks[0].Items) != 3 {
		t.Errorf("the list: %+v", list)
	}
	first := p.Parts[3].Paras[0].Blocks[0].Spans
	if len(first) != 5 || !first[1].Bold || first[1].Text != "worked" || !first[3].Italic {
		t.Errorf("emphasis: %+v", first)
	}
	if len(p.Contributors) != 3 || p.Contributors[0].Group != string(crdt.Government) {
		t.Errorf("contributors by group: %+v", p.Contributors)
	}
}
