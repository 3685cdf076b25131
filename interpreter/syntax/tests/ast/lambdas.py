f = lambda: 0
g = lambda x: x + 1
h = lambda x, y=2, *args, z, w=3, **kw: (x, y, args, z, w, kw)
k = lambda *, a: a
m = lambda a, /, b: a + b
n = lambda x=lambda: 1: x
o = lambda *a: a
p = lambda **k: k
q = lambda x,: x
print((lambda: 1)())
r = lambda x: x if x else lambda: 0
