café = 1
π = 3.14
naïve_total = café + π
print(naïve_total)
Ωmega = "ω"
