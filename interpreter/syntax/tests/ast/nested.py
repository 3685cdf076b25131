def outer():
    class Inner:
        def method(self):
            def local():
                return [lambda: i for i in range(3)]
            return local
    return Inner
for a in b:
    while c:
        if d:
            try:
                with e:
                    pass
            except F:
                pass
