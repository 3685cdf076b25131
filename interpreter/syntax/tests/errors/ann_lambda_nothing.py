f = lambda: 
