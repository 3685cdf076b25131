print(f"{(lambda x: x)x: x)(1)}")
