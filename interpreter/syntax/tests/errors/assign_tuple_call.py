a.b, f() = x
