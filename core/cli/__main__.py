"""``python -m trellis.cli``: the ``trellis`` command."""

from trellis.cli.entry import main

main()
