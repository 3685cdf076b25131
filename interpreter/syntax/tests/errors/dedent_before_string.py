if x:
    a = 1
 "   v = 2
