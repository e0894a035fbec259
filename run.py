#!/usr/bin/env python3
"""Veerkracht command line: ``python run.py run|sweep|compare|analyse|validate|anchors|bench|params|links|interventions|outcomes``.

See ``python run.py --help`` and ``python run.py COMMAND --help``.
"""

import sys

from experiments.cli import main

if __name__ == "__main__":
    sys.exit(main())
