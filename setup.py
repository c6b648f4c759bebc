"""Package layout for setuptools: ``core/`` installs as ``trellis``, ``plugins/`` as
``trellis_plugins`` and ``themes/`` as ``trellis.themes``.

The metadata lives in pyproject.toml; this file only computes the package list,
because setuptools' ``find`` cannot rename packages.
"""

from setuptools import find_packages, setup


def mapped(folder, name):
    """Packages found under ``folder``, renamed so that ``folder`` becomes ``name``."""
    found = find_packages(include=[folder, folder + ".*"])
    return [name + package[len(folder):] for package in found]


DATA = ["**/*.yaml", "**/*.yml", "**/*.html", "**/*.txt", "**/*.css", "**/*.js",
        "**/*.svg", "**/*.png", "**/*.ico", "**/*.woff2", "**/*.ttf", "**/*.json", "**/*.po", "**/*.mo", "**/*.cfg"]

setup(
    packages=mapped("core", "trellis") + mapped("plugins", "trellis_plugins") + ["trellis.themes"],
    package_dir={"trellis": "core", "trellis_plugins": "plugins", "trellis.themes": "themes"},
    package_data={"": DATA},
)
