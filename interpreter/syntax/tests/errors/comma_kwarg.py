foo(x y=1)
