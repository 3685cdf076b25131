f('abc
)
