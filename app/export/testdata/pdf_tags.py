# Prints a PDF's tagging as pypdf reads it: the catalog's language and
# MarkInfo, the structure tree depth first (each element's type, its
# /Lang, how many marked sequences it holds), and every marked sequence
# on a page that the parent tree does not take back to an element.
import sys
import pypdf
from pypdf.generic import ContentStream

r = pypdf.PdfReader(sys.argv[1])
root = r.trailer["/Root"]
print("LANG\t%s" % root.get("/Lang"))
mi = root.get("/MarkInfo")
print("MARKED\t%s" % (mi.get_object().get("/Marked") if mi else None))
tree = root["/StructTreeRoot"].get_object()

def walk(e, depth):
    e = e.get_object()
    if e.get("/Type") == "/MCR" or "/MCID" in e:
        return 1
    kids = e.get("/K", [])
    if not isinstance(kids, list):
        kids = [kids]
    mcrs = 0
    children = []
    for k in kids:
        if isinstance(k, int):
            mcrs += 1
            continue
        o = k.get_object()
        if o.get("/Type") == "/MCR":
            mcrs += 1
        else:
            children.append(o)
    if e.get("/S"):
        print("TAG\t%d\t%s\t%s\t%d" % (depth, str(e["/S"])[1:], e.get("/Lang", ""), mcrs))
    for c in children:
        walk(c, depth + 1)

k = tree["/K"]
for e in (k if isinstance(k, list) else [k]):
    walk(e, 0)

nums = tree["/ParentTree"].get_object()["/Nums"]
parents = {nums[i]: nums[i + 1].get_object() for i in range(0, len(nums), 2)}
for i, page in enumerate(r.pages):
    sp = page.get("/StructParents")
    ops = ContentStream(page.get_contents(), r).operations
    for operands, op in ops:
        if op == b"BDC" and isinstance(operands[1], dict) and "/MCID" in operands[1]:
            mcid = operands[1]["/MCID"]
            arr = parents.get(sp)
            if arr is None or mcid >= len(arr):
                print("ORPHAN\tpage %d\tmcid %d" % (i + 1, mcid))
    if "/Tabs" not in page:
        print("NOTABS\tpage %d" % (i + 1))
