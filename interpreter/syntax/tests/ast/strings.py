a = 'single'
b = "double"
c = '''triple
single'''
d = """triple
double"""
e = 'it\'s'
f = "say \"hi\""
g = '\n\t\\\a\b\f\v\r\0'
h = '\x41\u00e9\U0001F600'
i = '\101\7\77'
j = r'\n\d'
k = R"raw"
l = b'bytes'
m = b'\x00\xff\n'
n = rb'\x00'
o = Br'x'
p = bR"y"
q = 'adjacent' "strings" '''concat'''
r = b'a' b'b'
s = 'line \
continuation'
t = '\d\q'
u = 'é€😀'
v = "mixed 'quotes'"
w = 'both \' and "'
x = b"\'\""
y = ''
z = """a "quoted" b"""
aa = '\
'
bb = '\r\n'
cc = "tab\there"
