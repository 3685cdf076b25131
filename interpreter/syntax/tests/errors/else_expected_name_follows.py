x = True if y e else False
