a, b = 1, 2
a, *b = [1, 2, 3]
*a, b = [1, 2, 3]
(a, b), c = (1, 2), 3
[a, b] = 1, 2
a, (b, *c), d = 1, (2, 3, 4), 5
x = [*a, *b]
y = (*a, *b)
z = {*a, 1}
w = {**{}, 'a': 1, **{}}
print(*a, *b, sep='')
f(**w, x=1)
for a, b in [(1, 2)]:
    pass
for (a, b), c in []:
    pass
for [a, *b] in []:
    pass
a = b = c = 1
a, b = b, a
t = 1,
u = ()
v = (1,)
*a, = [1]
