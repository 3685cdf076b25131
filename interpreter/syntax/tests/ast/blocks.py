if True:
    x = 1

    # comment at other indentation
        # deeper comment
    y = 2
  # shallow comment
    z = 3
if x:
	tab = 1
	if y:
		tab2 = 2
def f():
    if a:
        if b:
            pass
    return 1
x = [
    1,
  2,
        3,
]
y = 1 + \
    2
class K: pass
while 0: pass
