with open("f") as f:
    pass
with a, b:
    pass
with a as x, b as y:
    pass
with a() as (x, y):
    pass
with (a, b):
    pass
with (a as x):
    pass
with (a as x, b as y):
    pass
with (a as x, b as y,):
    pass
with a as x[0], b as y.z:
    pass
with (yield):
    pass
with (a, b as c):
    pass
with (a(),
      b() as c):
    pass
with (a, b) as c:
    pass
with (a).b as c:
    pass
