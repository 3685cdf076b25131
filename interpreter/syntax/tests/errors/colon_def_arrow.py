def m(self) -> in:
    pass
