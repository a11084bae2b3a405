package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/igf-bpf/bpfdraft/crdt"
)

const deviceUsage = "device [request | link CODE | accept CODE]"

var deviceCmd = &command{
	name:    "device",
	usage:   deviceUsage,
	summary: "write as yourself from a second machine, without copying your key",
	details: `Your key signs everything you write, and never leaves the machine that
holds it. To use another machine as the same person:
  1. on the new machine:  bpfdraft device request      (prints a request code)
  2. on your first one:   bpfdraft device link CODE    (prints a link code)
  3. on the new machine:  bpfdraft device accept CODE
Both codes can be read over the phone or sent by chat: the request holds
nothing secret, and the link works only for the machine that asked. Then
` + "`bpfdraft profile`" + ` prints the same fingerprint on both machines. A person key
the new machine had made is kept aside (person.key.replaced-…), so what it
signed before stays signed. Without arguments, says how this machine signs.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 0, 2, ""); err != nil {
				return err
			}
			ws, err := e.workspace(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			verb := ""
			if len(args) > 0 {
				verb = args[0]
			}
			needCode := verb == "link" || verb == "accept"
			if needCode != (len(args) == 2) {
				return usagef("usage: bpfdraft %s", deviceUsage)
			}
			switch verb {
			case "":
				st := ws.Device()
				how := "holds your person key"
				if st.Linked {
					how = "is a device linked to your person key on another machine"
				}
				fmt.Fprintf(e.stdout, "fingerprint %s: this machine %s\n", crdt.FormatFingerprint(st.Fingerprint), how)
				if st.Pending {
					fmt.Fprintln(e.stdout, "a link was requested and not yet accepted (bpfdraft device accept CODE)")
				}
			case "request":
				code, err := ws.RequestLink()
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s\nOn the machine that holds your key, run: bpfdraft device link %s\n", code, code)
			case "link":
				code, err := ws.LinkDevice(args[1])
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s\nOn the new machine, run: bpfdraft device accept %s\nIt will write as %s.\n", code, code, crdt.FormatFingerprint(ws.Device().Fingerprint))
			case "accept":
				fp, err := ws.AcceptLink(args[1])
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "This machine now writes as %s (the fingerprint the other machine's `bpfdraft profile` prints). A window open on this data dir takes it when restarted.\n", crdt.FormatFingerprint(fp))
			default:
				return usagef("usage: bpfdraft %s", deviceUsage)
			}
			return nil
		}
	},
}
