if (n := 10) > 5:
    print(n)
while (line := input()):
    pass
data = [y for x in range(5) if (y := x * 2) > 2]
print(z := 5)
f(x := 1, y=2)
[a := 1, b := 2]
{c := 3}
if n := 3:
    pass
elif m := 4:
    pass
a[b := 1]
