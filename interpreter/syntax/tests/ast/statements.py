pass
x = 1; y = 2;
del x
del x, y
del (x, y)
del [x, y]
del x.a, x[0]
assert x
assert x, "msg"
raise
raise ValueError
raise ValueError("x") from e
x: int
x: int = 1
x.a: str = "s"
x[0]: int = 0
(y): int = 2
while True:
    break
else:
    pass
for i in range(3):
    continue
else:
    pass
if a:
    pass
elif b:
    pass
elif c:
    pass
else:
    pass
if a: pass
for x in *a, *b:
    pass
return_ = 1
x = ...
print(..., None, True, False)
