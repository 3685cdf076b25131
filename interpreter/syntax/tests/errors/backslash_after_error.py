e = 'i= 'it\'s'
