"""Entry point of the dashboard's kernels: ipykernel without its debugger.

The server (:mod:`helpers.app.server`) puts ``share/`` on ``JUPYTER_PATH``, so Voilà
starts each visitor's kernel with ``share/kernels/python3/kernel.json``, which runs this
module. ipykernel imports debugpy at start for notebook debugging, which the customers'
page never uses; marking it absent makes ipykernel run without a debugger, as it does
where debugpy is not installed, and saves each visitor kernel about 7 MB.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    sys.modules["debugpy"] = None  # type: ignore[assignment]  # `import debugpy` fails
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
