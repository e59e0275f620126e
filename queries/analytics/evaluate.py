"""python -m queries.analytics.evaluate --db PATH: the documented name of `python -m data.analytics.evaluate`.

Kept for the scripts that call it; it runs the data layer's command as a child process, since the
query layer imports no other.
"""

import subprocess
import sys

if __name__ == "__main__":
    sys.exit(subprocess.call([sys.executable, "-m", "data.analytics.evaluate", *sys.argv[1:]]))
