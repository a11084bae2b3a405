# Prints a PDF's bookmarks and links as pypdf reads them: each bookmark's
# title and the page (from 1) it opens, then each link's page and the
# page it goes to.
import sys
import pypdf

r = pypdf.PdfReader(sys.argv[1])
for item in r.outline:
    print("OUTLINE\t%s\t%d" % (item.title, r.get_destination_page_number(item) + 1))
for i, page in enumerate(r.pages):
    for a in page.get("/Annots") or []:
        a = a.get_object()
        if a.get("/Subtype") == "/Link" and "/Dest" in a:
            target = a["/Dest"][0]
            n = [p.indirect_reference.idnum for p in r.pages].index(target.idnum) + 1
            print("LINK\t%d\t%d" % (i + 1, n))
# Web links: each URI link's page and address.
for i, page in enumerate(r.pages):
    for a in page.get("/Annots") or []:
        a = a.get_object()
        act = a.get("/A")
        if a.get("/Subtype") == "/Link" and act is not None and act.get_object().get("/S") == "/URI":
            print("URI\t%d\t%s" % (i + 1, act.get_object()["/URI"]))
