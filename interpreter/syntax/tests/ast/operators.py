a = 1 + 2 - 3 * 4 / 5 // 6 % 7 ** 8
b = -a + +a - ~a
c = a << 1 >> 2 & 3 | 4 ^ 5
d = a @ b
e = not a and b or c
f = a < b <= c > d >= e == f != g
g = a in b not in c is d is not e
h = a if b else c
i = 2 ** -1
j = -2 ** 2
k = (a + b) * c
l = a or b or c
m = a and b and c
n = a and b or c and d
o = not not a
p = a ** b ** c
q = a - b - c
r = a if b else c if d else e
s = x.y.z
t = f(a)(b)(c)
u = a[b].c(d)[e]
v = (yield)
a += 1; a -= 1; a *= 2; a /= 2; a //= 2; a %= 2; a **= 2
a <<= 1; a >>= 1; a &= 1; a |= 1; a ^= 1; a @= b
