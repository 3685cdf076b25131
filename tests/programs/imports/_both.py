WHICH = "the .py file"
