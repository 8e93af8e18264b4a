"""Pulumi entry point. ``Pulumi.yaml`` sets no ``main``, so the project root is
the program directory: Pulumi runs this file there, and starts the Python
dynamic provider (the queued TPU) there too, so the language host and the
provider find the same virtual environment (``runtime.options.virtualenv``,
``.venv`` beside ``uv.lock``). See ``infra/project_file.py``.
"""

from ailab.infra.program import main

main()
