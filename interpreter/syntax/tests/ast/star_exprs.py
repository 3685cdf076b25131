a = *b, c
return_value = (*a,)
print([*range(3)])
s = {*a}
t = f(*[1, 2])
x, *y = z
for *a, b in c:
    pass
a[*b]
a[1, *b]
