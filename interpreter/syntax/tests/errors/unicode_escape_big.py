x = 'a\U0011ffff'
