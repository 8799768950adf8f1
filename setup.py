"""Build hook: the wheel carries what the registry needs to run, mapped into the package.

The checkout keeps ``templates/``, ``static/``, ``migrations/``, ``wsgi.py`` and
``gunicorn.conf.py`` at the project root; a wheel copies them into ``registry/`` at build time,
where ``registry.config.shipped`` finds them once installed. Editable installs copy nothing: the
app then reads them from the checkout. Everything else is in ``pyproject.toml``; the sdist takes
the same files through ``MANIFEST.in``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("templates", "static", "migrations", "wsgi.py", "gunicorn.conf.py")


class BuildWithShippedFiles(build_py):
    """``build_py``, then the shipped files and folders copied into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        root = Path(__file__).resolve().parent
        package = Path(self.build_lib) / "registry"
        for name in SHIPPED:
            source, target = root / name, package / name
            if source.is_dir():
                shutil.copytree(
                    source,
                    target,
                    dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                )
            else:
                shutil.copy2(source, target)


setup(cmdclass={"build_py": BuildWithShippedFiles})
