"""The package list for setuptools (everything else is in pyproject.toml).

resources/ and docs/ live at the top of the repository but are installed
inside the package (tlstudio.resources, tlstudio.docs: the sample data and
the user guide with its screenshots).  ``packages.find`` in pyproject.toml
cannot add packages mapped from other folders, so the list is built here:
every package under tlstudio/ plus those two.
"""

from setuptools import find_packages, setup

DATA_PACKAGES = ["tlstudio.resources", "tlstudio.resources.samples", "tlstudio.docs", "tlstudio.docs.screenshots"]

setup(packages=find_packages(include=["tlstudio", "tlstudio.*"]) + DATA_PACKAGES)
