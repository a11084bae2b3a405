// Package app holds BPF Draft's use cases, with no GUI: a Workspace (the
// data dir: its store, the local profile, the list of drafts, import)
// and a Session (one open draft: read and write sections, headings, the
// contribution log, export). The command line and the Fyne window both
// sit on it, so anything the window can do a script can do too.
package app
