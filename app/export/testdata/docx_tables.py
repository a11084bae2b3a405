# Prints every table of a DOCX as python-docx reads it: one line per row,
# its cells' text separated by tabs, after the table's column count.
import sys
import docx

d = docx.Document(sys.argv[1])
for t in d.tables:
    print("TABLE", len(t.columns))
    for row in t.rows:
        print("\t".join(c.text for c in row.cells))
