"""python -m queries.analytics --db PATH: the documented name of `python -m data.refresh --steps analytics`.

The analytics write tables, so their code lives in data/; this entry point stays for the scripts that
call it, and runs the data layer's command as a child process, since the query layer imports no other.
"""

import subprocess
import sys

sys.exit(subprocess.call([sys.executable, "-m", "data.refresh", "--steps", "analytics", *sys.argv[1:]]))
