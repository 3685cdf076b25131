tr{y:
