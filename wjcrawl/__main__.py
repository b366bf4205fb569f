import sys

from wjcrawl.cli import main

sys.exit(main())
