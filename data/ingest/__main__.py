import sys

from data.ingest import main

sys.exit(main())
