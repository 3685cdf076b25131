print(f(lambda x: x)x)
