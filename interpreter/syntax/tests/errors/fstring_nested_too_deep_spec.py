x = f'{a:x{b}y{c!r:{d}}}'
