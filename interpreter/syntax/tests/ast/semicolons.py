a = 1; b = 2; c = 3
if a: b = 1; c = 2
for i in x: pass; continue
def f(): return 1;
import os; import sys
