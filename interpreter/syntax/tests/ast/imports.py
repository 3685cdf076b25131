import os
import os.path
import os.path as p
import sys, time as t
from os import path
from os import path as p2, sep
from os.path import (join, exists,)
from . import sibling
from .. import parent
from .mod import thing
from ..pkg.mod import (a as b, c)
from ... import x
from .... import y
from . import (z)
from collections import *
