"""``python -m ailab.cli``: same as the ``ailab`` console script."""

from ailab.cli import main

if __name__ == "__main__":
    main()
