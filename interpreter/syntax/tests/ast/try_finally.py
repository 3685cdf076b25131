try:
    pass
except:
    pass

try:
    x = 1
except ValueError:
    pass
except (TypeError, KeyError) as e:
    print(e)
except Exception as e:
    raise
else:
    pass
finally:
    pass

try:
    pass
finally:
    print("done")

try:
    raise ValueError("x") from None
except ValueError as err:
    raise RuntimeError() from err
