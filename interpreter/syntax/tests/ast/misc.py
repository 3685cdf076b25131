x = True if y else False
print(not x)
print(x is None, x is not None)
a = b = c = d = 0
e = -1
f = (1)
g = ((1))
h = (((1, 2)))
i = [] or {} or ()
j = x if x else y if y else z
k = (a for a in b if a for c in d)
l = a.b.c.d.e
m = 'a' if 'b' in 'c' else 'd'
n = 1 < 2 < 3
o = x[1][2][3]
p = ~-+x
