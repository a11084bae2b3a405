package crdt

import "sort"

// The ledger also keeps the fields of every section's map (heading,
// hint, order, removed, annex), each as the ops that set it, so that the
// outline of any past state (a named version's headings, their order,
// which were removed) is read from the ledger instead of a fork of the
// whole document, which costs tens of milliseconds per version.
//
// A map field in a state is Automerge's register: of the ops in the
// state that set the key, those no other op in the state overwrote (by
// naming it as a predecessor) are its values, and the one with the
// greatest op id is the one readers see.

// prop is one op on a key of a section map.
type prop struct {
	id      elemID
	by      ChangeRef
	preds   []elemID
	deleted bool
	str     string
	boolean bool
}

// isSectionMap reports whether an object is one section's map
// (sections/ID).
func (l *Ledger) isSectionMap(obj elemID) bool {
	o := l.objects[obj]
	if o == nil || o.text {
		return false
	}
	top := l.objects[o.parent]
	return top != nil && top.key == "sections" && top.parent == (elemID{})
}

// noteProp records an op on a key of a section map, of the roles map or
// a grant in it (authority.go), or of a version (versions_ledger.go).
func (l *Ledger) noteProp(obj elemID, op *changeOp, self elemID, ref ChangeRef, actors []int32) {
	if op.keyStr == "" || !l.isSectionMap(obj) && !l.isRolesMap(obj) && !l.isGrantMap(obj) && !l.isVersionMap(obj) {
		return
	}
	o := l.objects[obj]
	if o.props == nil {
		o.props = map[string][]prop{}
	}
	p := prop{id: self, by: ref, deleted: op.action == actionDelete, str: op.value, boolean: op.valueType == valueTrue}
	for i, a := range op.predActor {
		p.preds = append(p.preds, elemID{ctr: op.predCtr[i], actor: actors[a]})
	}
	o.props[op.keyStr] = append(o.props[op.keyStr], p)
}

// field returns the value of a section map's key in a state, and
// whether it has one.
func (l *Ledger) field(o *object, key string, in ChangeSet) (prop, bool) {
	return l.register(o.props[key], func(p *prop) bool { return in.Has(p.by) })
}

// register returns the value a key's ops give when only those in(op)
// selects happened: of those, the ones no other selected op overwrote
// (named as a predecessor) and that are not deletions, the one with the
// greatest op id, as Automerge reads a map key.
func (l *Ledger) register(ops []prop, in func(*prop) bool) (prop, bool) {
	over := map[elemID]bool{}
	for i := range ops {
		if in(&ops[i]) {
			for _, pr := range ops[i].preds {
				over[pr] = true
			}
		}
	}
	var best prop
	found := false
	for i := range ops {
		p := &ops[i]
		if p.deleted || over[p.id] || !in(p) {
			continue
		}
		if !found || l.greater(p.id, best.id) {
			best, found = *p, true
		}
	}
	return best, found
}

// Outline returns the sections of a state, without their texts (Text
// gives those): the visible ones in order, and the removed ones.
func (l *Ledger) Outline(in ChangeSet) (visible, removed []Section) {
	var all []Section
	for id, body := range l.sections {
		bo := l.objects[body]
		sm := l.objects[bo.parent]
		if sm == nil || !in.Has(sm.by) || !in.Has(bo.by) {
			continue
		}
		s := Section{ID: id}
		if p, ok := l.field(sm, "heading", in); ok {
			s.Heading = cleanLine(p.str)
		}
		if p, ok := l.field(sm, "hint", in); ok {
			s.Hint = cleanLine(p.str)
		}
		if s.Hint == "" {
			s.Hint = templateHint(s.Heading)
		}
		if p, ok := l.field(sm, "order", in); ok {
			s.order = p.str
		}
		if p, ok := l.field(sm, "removed", in); ok {
			s.Removed = p.boolean
		}
		if p, ok := l.field(sm, "annex", in); ok {
			s.Annex = p.boolean
		}
		all = append(all, s)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].order != all[j].order {
			return all[i].order < all[j].order
		}
		return all[i].ID < all[j].ID
	})
	for _, s := range all {
		if s.Removed {
			removed = append(removed, s)
		} else {
			visible = append(visible, s)
		}
	}
	return visible, removed
}
