SOURCE = "loaded from a .py file"
