k = lambda *, : a
