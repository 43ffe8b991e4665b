"""One line describing when and where a result was measured (the machine is shared and noisy)."""
import datetime
import os
import platform


def machine():
    load = os.getloadavg()[0]
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"Measured {when} on {os.cpu_count()} cores, kernel {platform.release()}, "
            f"load average {load:.1f} at the end (shared machine: expect noise).")
