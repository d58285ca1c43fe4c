"""Entry point of ``python -m practicum_coder``."""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "bench":
        # The benchmark is defined on one core: pin BLAS/OpenMP pools before numpy loads
        # (they read these variables once, at import) and the process to a single CPU.
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
            os.environ[var] = "1"
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    from practicum_coder.cli import main

    sys.exit(main())
