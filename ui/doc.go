// Package ui is BPF Draft's desktop window, built with Fyne: the profile
// form, the drafts list, and the draft screen where sections are written
// and co-authors' text merges in live. It holds no logic of its own that
// the command line could not reach: every action goes through package
// app. It takes a fyne.App from its caller, so that tests run it under
// Fyne's test driver and only cmd/bpfdraft links the OpenGL driver.
package ui
