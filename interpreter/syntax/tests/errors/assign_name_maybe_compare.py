f = a < b = f != g
