acc = [c = []
