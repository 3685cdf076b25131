if x:
        a = 'é'
    b
