[y for x n range(3)]
