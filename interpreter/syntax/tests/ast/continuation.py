total = 1 + \
        2 + \
        3
if total > 1 and \
   total < 10:
    pass
s = ('a'
     'b'
     'c')
call(1,
     2,
       3)
d = {
    'k': [1,
          2],
}
