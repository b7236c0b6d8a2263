"""How many visitors this machine can hold: the default of ``serve --max-visitors``."""

from __future__ import annotations

import psutil

#: Resident memory of one visitor's kernel after recommendations, the KPI tab and a KPI
#: filter, measured by ``python -m helpers bench dashboard`` on the full catalogue
#: (65,719 films: 281 MB); RSS counts the pages shared with other kernels, and smaller
#: catalogues make smaller kernels, so this errs on the safe side.
KERNEL_BYTES = 280 * 2**20
#: Share of the memory available at start given to kernels (the rest: the Voilà server,
#: the page cache of the memory-mapped model, the system).
MEMORY_SHARE = 0.8


def default_max_visitors(available: int | None = None,
                         kernel_bytes: int = KERNEL_BYTES) -> tuple[int, str]:
    """(cap, explanation): kernels that fit in ``MEMORY_SHARE`` of the available memory."""
    available = psutil.virtual_memory().available if available is None else available
    cap = max(2, int(available * MEMORY_SHARE // kernel_bytes))
    return cap, (f"{available / 2**30:.1f} GB available, {MEMORY_SHARE:.0%} of it for "
                 f"kernels of about {kernel_bytes / 2**20:.0f} MB each")
