package export

import (
	"strconv"
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
			paras = append(paras, strings.Repeat("Participants discussed access and trust. ", k)+"Paragraph "+crdt.ParagraphNumber(strconv.Itoa(i+1), k)+".")
		}
		secs = append(secs, crdt.Section{ID: string(rune('a' + i)), Heading: h.Title, Body: strings.Join(paras, "\n\n")})
	}
	secs[1].Body += "\n\nمرحبا بكم في منتدى حوكمة الإنترنت. هذه فقرة باللغة العربية."
	// Brackets (drawn mirrored) and one letter with and without its mark.
	secs[1].Body += "\n\n" + arabicBrackets
	secs[2].Body += "\n\n互联网治理论坛的最佳实践论坛。这是一个中文段落。"
	secs[3].Body = "Measures that **worked** and *why*:\n\n- open standards\n- shared incident reports\n- regional CERT training\n\n" + secs[3].Body
	secs[4].Body = "" // an empty heading
	// Links (one a script, which is no link), footnotes by label, one
	// referred to twice, one reference to a note the draft lacks.
	secs[6].Body += "\n\nSee the [IGF's site](https://www.intgovforum.org/en) and https://example.org/report.[^survey] " +
		"A [script](javascript:alert(1)) is no link.[^missing]\n\n[^survey]: Forty-two answers; see *Annex A*.\n\n" +
		"The survey[^survey] and the review[^2] agree.\n\n[^2]: Held in [Geneva](https://www.unog.ch/)."
	carry := secs[len(secs)-1]
	secs = append([]crdt.Section{carry}, secs[:len(secs)-1]...) // moved first: published last
	// Two annexes, one standing among the headings: published after them,
	// lettered in the draft's order.
	survey := crdt.Section{ID: "s", Heading: "Survey of participants", Annex: true, Body: "Forty-two answers came in.\n\nMost were from Africa."}
	glossary := crdt.Section{ID: "g", Heading: "Glossary", Annex: true, Body: "CERT: a computer emergency response team."}
	secs = append(secs[:3], append([]crdt.Section{survey}, secs[3:]...)...)
	secs = append(secs, glossary)
	return crdt.Snapshot{
		Meta: crdt.Meta{ID: "x", Title: "BPF Cybersecurity 2026", Theme: "Cybersecurity", Year: 2026, Template: crdt.TemplateOutput,
			Language: "en", CoFacilitators: "Amina Diallo\nBruno Silva", Cover: "A short summary of the year's work.",
			Dissemination: "ITU\nUNESCO"},
		Sections: secs,
		Participants: []crdt.Participant{
			{Actor: "1", Person: "p1", Name: "Amina Diallo", Group: crdt.CivilSociety, Region: crdt.African},
			{Actor: "2", Person: "p2", Name: "Bruno Silva", Group: crdt.TechnicalCommunity, Region: crdt.GRULAC},
			{Actor: "3", Person: "p3", Name: "Chen Wei", Group: crdt.Government, Region: crdt.AsiaPacific},
			{Actor: "4", Person: "p4", Name: "Dana Novak", Group: crdt.CivilSociety, Region: crdt.EasternEuropean, Role: crdt.RoleRapporteur},
			{Actor: "5", Person: "p5", Name: "Eve Claims", Group: crdt.CivilSociety, Region: crdt.WEOG, Role: crdt.RoleRapporteur},
		},
		// Dana was given the role; Eve's entry only claims it.
		Roles: map[string]crdt.Role{"1": crdt.RoleCoFacilitator, "4": crdt.RoleRapporteur, "5": crdt.RoleParticipant},
	}
}

// arabicBrackets must come out of the PDF as typed.
const arabicBrackets = "تُبنى الثقة (بالممارسة) على [المعايير] ولا تبنى بالقوة"

func samplePublication() Publication {
	return Build(sampleSnapshot(), Edition{Version: "Draft for public comment", Date: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)})
}

func TestBuildNumbersEveryParagraphOnce(t *testing.T) {
	p := samplePublication()
	if !p.ForComment || len(p.Parts) != 11 || crdt.TemplateOutput.Index(p.Parts[8].Heading) != crdt.OutputCarryForward || p.Parts[8].Label != "9" {
		t.Fatalf("parts: %d, ninth %q, for comment %v", len(p.Parts), p.Parts[8].Heading, p.ForComment)
	}
	if a, b := p.Parts[9], p.Parts[10]; !a.Annex || a.Title() != "Annex A: Survey of participants" || b.Title() != "Annex B: Glossary" ||
		a.Paras[1].Number != "A.2" || b.Paras[0].Number != "B.1" {
		t.Errorf("annexes: %q %q, numbered %s, %s", a.Title(), b.Title(), a.Paras[1].Number, b.Paras[0].Number)
	}
	n := 0
	for i, part := range p.Parts[:9] {
		for k, para := range part.Paras {
			if para.Number != crdt.ParagraphNumber(strconv.Itoa(i+1), k+1) {
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
	links := p.Parts[6].Paras[5].Blocks[0].Spans
	if len(links) < 5 || links[1].URL != "https://www.intgovforum.org/en" || links[1].Text != "IGF's site" ||
		links[3].URL != "https://example.org/report" || links[5].Note != 1 {
		t.Errorf("links and a note: %+v", links)
	}
	if got := p.Parts[6].Paras[5].Plain(); !strings.Contains(got, "A script is no link.[^missing]") {
		t.Errorf("a script link or an unknown note is not kept as text: %q", got)
	}
	if len(p.Parts[6].Paras) != 7 || len(p.Notes) != 2 || spansText(p.Notes[0].Spans) != "Forty-two answers; see Annex A." ||
		p.Notes[1].Spans[1].URL != "https://www.unog.ch/" {
		t.Errorf("%d paragraphs; notes %+v", len(p.Parts[6].Paras), p.Notes)
	}
	if again := p.Parts[6].Paras[6].Blocks[0].Spans; again[1].Note != 1 || again[3].Note != 2 {
		t.Errorf("a note referred to twice: %+v", again)
	}
	if len(p.Contributors) != 3 || p.Contributors[0].Group != string(crdt.Government) ||
		strings.Join(p.Contributors[1].Names, ", ") != "Amina Diallo (African), Dana Novak (Eastern European), Eve Claims (WEOG)" {
		t.Errorf("contributors by group and region: %+v", p.Contributors)
	}
	// The details name the co-facilitators; the rapporteur is whoever was
	// given the role, not whoever claims it.
	if got := strings.Join(p.LeadLines(), " | "); got != "Co-facilitators: Amina Diallo, Bruno Silva | Rapporteur: Dana Novak" {
		t.Errorf("lead lines: %q", got)
	}
	s := sampleSnapshot()
	s.Meta.CoFacilitators, s.Meta.Rapporteur = "", "Fatima Zahra"
	if got := strings.Join(Build(s, Edition{}).LeadLines(), " | "); got != "Co-facilitators: Amina Diallo | Rapporteur: Fatima Zahra" {
		t.Errorf("lead lines from the roles: %q", got)
	}
}
