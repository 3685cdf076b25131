(c x)
