// Loads an .automerge file with Automerge JS and prints the document as
// plain JSON, texts as strings, for a Go test to read.
import { readFileSync } from "node:fs";
import * as Automerge from "@automerge/automerge";

const doc = Automerge.load(new Uint8Array(readFileSync(process.argv[2])));
process.stdout.write(JSON.stringify(doc, (_, v) => (v instanceof Date ? v.toISOString() : v)));
