if a and (b or c):
    pass
if not a:
    pass
elif not (b and c):
    pass
while a < b:
    a += 1
x = a if b else (c if d else e)
y = [a if b else c for a in d]
z = (lambda: a) if b else None
