#!/usr/bin/env python3
"""Veerkracht command line: ``python run.py run|bench|params|links ...`` (see ``--help``)."""

import sys

from experiments.cli import main

if __name__ == "__main__":
    sys.exit(main())
