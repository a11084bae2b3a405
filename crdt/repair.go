package crdt

import (
	"time"

	"github.com/automerge/automerge-go"
)

// Any co-author can write anything into a draft: a change that deletes
// the meta map or the sections map merges without error, and the draft
// would then be unreadable on every peer that took it ("not a BPF Draft
// document"). The changes stay in the history (nothing can take them
// out), so the owner of an open draft checks the layout after every
// merge and puts back what was removed, by a change of its own, from
// the draft as it was just before: the merge and the repair reach the
// other peers together, and a peer that takes both reads a whole draft.

// KindRepair is the kind of a commit that put back the draft's layout.
const KindRepair Kind = "rp"

// Check reports whether the document still has the draft layout.
func (d *Doc) Check() error { return d.check() }

// Repair puts back the parts of the draft layout that are missing, from
// was (the draft as it last was whole) and the removed sections; it
// returns whether it changed anything.
func (d *Doc) Repair(was Snapshot, removed []Section) (bool, error) {
	if d.check() == nil {
		return false, nil
	}
	root := d.am.RootMap()
	d.begin(KindRepair, "")
	changed := false
	if m, err := mapAt(root, "meta"); err != nil || func() bool { id, _ := strAt(m, "id"); t, _ := strAt(m, "template"); return id == "" || t == "" }() {
		if err := d.putMeta(was.Meta); err != nil {
			return changed, err
		}
		changed = true
	}
	if _, err := mapAt(root, "sections"); err != nil {
		if err := root.Set("sections", automerge.NewMap()); err != nil {
			return changed, err
		}
		all := append(append([]Section(nil), was.Sections...), removed...)
		prev := ""
		for _, s := range all {
			order := s.order
			if order == "" {
				order = keyBetween(prev, "")
			}
			prev = order
			hint := s.Hint
			if hint == templateHint(s.Heading) {
				hint = ""
			}
			if _, err := d.putSection(s.ID, s.Heading, hint, order); err != nil {
				return changed, err
			}
			if s.Body != "" {
				t, err := d.body(s.ID)
				if err != nil {
					return changed, err
				}
				if err := t.Append(s.Body); err != nil {
					return changed, err
				}
			}
			if s.Removed {
				sm, _ := d.sectionMap(s.ID)
				if err := sm.Set("removed", true); err != nil {
					return changed, err
				}
			}
		}
		d.forgetBodies()
		changed = true
	}
	if _, err := mapAt(root, "participants"); err != nil {
		if err := root.Set("participants", automerge.NewMap()); err != nil {
			return changed, err
		}
		pm, _ := mapAt(root, "participants")
		for _, p := range was.Participants {
			if err := pm.Set(p.Actor, automerge.NewMap()); err != nil {
				return changed, err
			}
			m, _ := mapAt(pm, p.Actor)
			for k, v := range map[string]string{"person": p.Person, "name": p.Name, "group": string(p.Group), "region": string(p.Region), "role": string(p.Role)} {
				if err := m.Set(k, v); err != nil {
					return changed, err
				}
			}
		}
		changed = true
	}
	return changed, nil
}

// putMeta writes the meta map again from a plain copy.
func (d *Doc) putMeta(m Meta) error {
	root := d.am.RootMap()
	if err := root.Set("meta", automerge.NewMap()); err != nil {
		return err
	}
	mm, err := mapAt(root, "meta")
	if err != nil {
		return err
	}
	lang := m.Language
	if lang == "" {
		lang = "en"
	}
	for k, v := range map[string]any{
		"id": m.ID, "template": string(m.Template), "title": m.Title, "theme": m.Theme,
		"year": int64(m.Year), "lang": lang, "created": m.Created.UTC().Truncate(time.Millisecond),
	} {
		if err := mm.Set(k, v); err != nil {
			return err
		}
	}
	for f, text := range map[MetaField]string{FieldCoFacilitators: m.CoFacilitators, FieldRapporteur: m.Rapporteur, FieldCover: m.Cover, FieldDissemination: m.Dissemination} {
		if err := mm.Set(string(f), automerge.NewText(text)); err != nil {
			return err
		}
	}
	return nil
}
