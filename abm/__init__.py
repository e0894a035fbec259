"""Veerkracht: an agent-based model of resilience in deprived Dutch neighbourhoods."""

import os

__version__ = "0.1.0"

# The parallel kernels run on numba's OpenMP layer. By default its idle threads spin
# between kernels and take the core the Python part of the step needs (on 2 cores the
# parallel model ran slower than the serial one); passive waiting gives the core back.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
