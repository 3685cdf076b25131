a = [x for x in range(10)]
b = [x * y for x in range(3) for y in range(4) if x if y > 1]
c = {x: x * 2 for x in range(5)}
d = {x for x in "abc"}
e = (x for x in range(3))
f = sum(x for x in range(3))
g = [[y for y in range(x)] for x in range(3)]
h = [(a, b) for a, b in zip([1], [2])]
i = list(x for x in range(3) if x % 2 == 0)
j = [y for x in [[1, 2]] for y in x]
k = {k: v for k, v in {}.items() if v}
l = [x for x, in [(1,), (2,)]]
m = [y for x in range(3) if (y := x * 2)]
n = dict((a, b) for a, b in [(1, 2)])
