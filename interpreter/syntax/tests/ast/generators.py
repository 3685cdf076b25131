def count(n):
    i = 0
    while i < n:
        yield i
        i += 1

def delegate():
    result = yield from count(3)
    return result

g = (i * i for i in count(5) if i % 2)
total = sum(i for i in g)
pairs = list((i, j) for i in range(3) for j in range(i))
