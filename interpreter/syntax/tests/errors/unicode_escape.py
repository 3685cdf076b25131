x = 'a\x1'
