"""``python -m bench.live_child URL``: ``run_live`` in a process of its own, stamping its progress.

After each catch-up that applied events it prints ``<CLOCK_MONOTONIC seconds> <views' position>``
(the least position of the views); SIGTERM stops it. CLOCK_MONOTONIC is system-wide, so the
writer in the parent process compares its own stamps with these.
"""

import signal
import sys
import threading
import time

from bpt.projections.views.runner import positions, run_live
from bpt.projections.store.service import Bpt

bpt = Bpt(sys.argv[1])
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())


def stamp(_applied: int) -> None:
    at = min(position for position, _head in positions(bpt).values())
    print(f"{time.clock_gettime(time.CLOCK_MONOTONIC)} {at}", flush=True)


print("ready", flush=True)
run_live(bpt, stop, stamp)
bpt.close()
